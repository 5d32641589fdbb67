# Compiles SOURCE against a newer xsimd and runs it (see CMakeLists.txt).
#   cmake -DPYTHON=... -DXSIMD_INCLUDE_DIR=... -DCXX=... -DFLAGS="..." -DLOWBIT_INCLUDE_DIR=...
#         -DSOURCE=... -DWORK_DIR=... -P run_xsimd_newer.cmake
# Prints "SKIPPED: <why>" (ctest: skipped) when no newer xsimd is available or
# the CPU cannot run the binary; stops with FATAL_ERROR on a compile error or a
# failing run.
cmake_minimum_required(VERSION 3.20)

# Where the newer xsimd is: XSIMD_INCLUDE_DIR, else the pythran package directory.
set(dir "${XSIMD_INCLUDE_DIR}")
if(NOT dir)
  if(NOT PYTHON)
    message("SKIPPED: no python3 to locate pythran's xsimd (pip install pythran, or tools/setup.sh)")
    return()
  endif()
  # find_spec locates the package without importing it (and its dependencies).
  execute_process(
    COMMAND ${PYTHON} -c
            "import importlib.util as u; s = u.find_spec('pythran'); print(s.submodule_search_locations[0] if s else '')"
    OUTPUT_VARIABLE dir OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT dir)
    message("SKIPPED: pythran is not installed for ${PYTHON} (pip install pythran, or tools/setup.sh)")
    return()
  endif()
endif()
set(config "${dir}/xsimd/config/xsimd_config.hpp")
if(NOT EXISTS "${config}")
  message("SKIPPED: no xsimd headers in ${dir}")
  return()
endif()
file(STRINGS "${config}" major REGEX "#define XSIMD_VERSION_MAJOR [0-9]+")
file(STRINGS "${config}" minor REGEX "#define XSIMD_VERSION_MINOR [0-9]+")
string(REGEX REPLACE ".* " "" major "${major}")
string(REGEX REPLACE ".* " "" minor "${minor}")
if(major LESS 13)
  message("SKIPPED: xsimd in ${dir} is ${major}.${minor}; this test wants 13 or newer")
  return()
endif()
message(STATUS "xsimd ${major}.${minor} from ${dir}/xsimd")

# Only xsimd/ is put on the include path (not the rest of the pythran package),
# as a system directory: it is searched before /usr/include, which holds the
# distribution's older xsimd, and its own warnings are not ours.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/include")
file(CREATE_LINK "${dir}/xsimd" "${WORK_DIR}/include/xsimd" SYMBOLIC)

separate_arguments(flags UNIX_COMMAND "${FLAGS}")
set(exe "${WORK_DIR}/xsimd_newer")
set(command ${CXX} ${flags} -isystem "${WORK_DIR}/include" "-I${LOWBIT_INCLUDE_DIR}" "${SOURCE}" -o "${exe}")
string(REPLACE ";" " " shown "${command}")
message(STATUS "compile: ${shown}")
execute_process(COMMAND ${command} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "lowbit does not compile against xsimd ${major}.${minor} (see above)")
endif()

execute_process(COMMAND "${exe}" RESULT_VARIABLE rc)
if(rc EQUAL 77)
  message("SKIPPED: this CPU cannot run the binary (see above)")
elseif(NOT rc EQUAL 0)
  message(FATAL_ERROR "the binary built against xsimd ${major}.${minor} failed (${rc})")
endif()

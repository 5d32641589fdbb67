# Compiles SOURCE against a newer xsimd and runs it (see CMakeLists.txt).
#   cmake -DVENV=... -DXSIMD_INCLUDE_DIR=... -DCXX=... -DFLAGS="..." -DLOWBIT_INCLUDE_DIR=...
#         -DSOURCE=... -DWORK_DIR=... -P run_xsimd_newer.cmake
# The xsimd: XSIMD_INCLUDE_DIR/xsimd if given, else the one inside the pythran
# package of the project's Python tools venv VENV (tools/setup.sh makes it).
# Prints "SKIPPED: <why>" (ctest: skipped) when no newer xsimd is available or
# the CPU cannot run the binary; stops with FATAL_ERROR on a compile error or a
# failing run.
cmake_minimum_required(VERSION 3.20)

set(dir "${XSIMD_INCLUDE_DIR}")
if(NOT dir)
  set(python "${VENV}/bin/python")
  if(NOT EXISTS "${python}")
    message("SKIPPED: no ${python} to find pythran's xsimd with: the project's Python tools venv is not there "
            "(tools/setup.sh creates it; LOWBIT_VENV names another)")
    return()
  endif()
  # find_spec locates the package without importing it (only its headers are
  # used; its Python dependencies are not installed).
  execute_process(
    COMMAND "${python}" -c
            "import importlib.util as u; s = u.find_spec('pythran'); print(s.submodule_search_locations[0] if s else '')"
    OUTPUT_VARIABLE dir ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(STRIP "${err}" err)
    message("SKIPPED: the venv's Python ${python} does not run (${rc}: ${err}); rerun tools/setup.sh")
    return()
  endif()
  if(NOT dir)
    message("SKIPPED: pythran is not installed in the venv ${VENV} (tools/setup.sh installs it)")
    return()
  endif()
endif()
set(config "${dir}/xsimd/config/xsimd_config.hpp")
if(NOT EXISTS "${config}")
  message("SKIPPED: no xsimd headers in ${dir} (no ${config})")
  return()
endif()
# The version macros of the headers found; xsimd_newer.cpp checks them again
# (static_assert) and prints the version it was compiled against.
foreach(part MAJOR MINOR PATCH)
  file(STRINGS "${config}" line REGEX "^#define XSIMD_VERSION_${part} [0-9]+")
  string(REGEX REPLACE "^#define XSIMD_VERSION_${part} ([0-9]+).*" "\\1" ${part} "${line}")
endforeach()
if(NOT MAJOR MATCHES "^[0-9]+$" OR NOT MINOR MATCHES "^[0-9]+$")
  message("SKIPPED: no XSIMD_VERSION_MAJOR / XSIMD_VERSION_MINOR in ${config}")
  return()
endif()
set(version "${MAJOR}.${MINOR}.${PATCH}")
if(MAJOR LESS 13)
  message("SKIPPED: xsimd in ${dir} is ${version}; this test wants 13 or newer")
  return()
endif()
message(STATUS "xsimd ${version} from ${dir}/xsimd")

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
  message(FATAL_ERROR "lowbit does not compile against xsimd ${version} (see above)")
endif()

execute_process(COMMAND "${exe}" RESULT_VARIABLE rc)
if(rc EQUAL 77)
  message("SKIPPED: this CPU cannot run the binary (see above)")
elseif(NOT rc EQUAL 0)
  message(FATAL_ERROR "the binary built against xsimd ${version} failed (${rc})")
endif()

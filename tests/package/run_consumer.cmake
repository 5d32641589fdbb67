# Configures, builds and runs the consumer project in ./consumer, using lowbit
# one of two ways. Run as
#   cmake -DMODE=subdirectory|package -DLOWBIT_SOURCE_DIR=... -DWORK_DIR=...
#         -DGENERATOR=... -DCXX_COMPILER=... -DBUILD_TYPE=... -P run_consumer.cmake
# MODE=package first installs lowbit (configured on its own, tests off) into
# WORK_DIR/prefix with cmake --install. Any failing step stops with FATAL_ERROR.
cmake_minimum_required(VERSION 3.20)

foreach(var MODE LOWBIT_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer.cmake: ${var} is not set")
  endif()
endforeach()
if(NOT BUILD_TYPE)
  set(BUILD_TYPE Release)
endif()

# run(<what> <command...>): runs a command, echoing it and failing loudly.
function(run what)
  string(REPLACE ";" " " shown "${ARGN}")
  message(STATUS "[${MODE}] ${what}: ${shown}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "[${MODE}] ${what} failed (${rc}): ${shown}")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(consumer_build "${WORK_DIR}/consumer-build")
set(common_args -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE})

if(MODE STREQUAL "subdirectory")
  run("configure consumer" ${CMAKE_COMMAND} ${common_args} -S ${CMAKE_CURRENT_LIST_DIR}/consumer -B ${consumer_build}
      -DLOWBIT_CONSUME=subdirectory -DLOWBIT_SOURCE_DIR=${LOWBIT_SOURCE_DIR})
elseif(MODE STREQUAL "package")
  set(prefix "${WORK_DIR}/prefix")
  run("configure lowbit" ${CMAKE_COMMAND} ${common_args} -S ${LOWBIT_SOURCE_DIR} -B ${WORK_DIR}/lowbit-build
      -DLOWBIT_BUILD_TESTS=OFF -DLOWBIT_BUILD_EXAMPLES=OFF -DLOWBIT_BUILD_BENCHMARKS=OFF)
  run("install lowbit" ${CMAKE_COMMAND} --install ${WORK_DIR}/lowbit-build --prefix ${prefix})
  foreach(file include/lowbit/lowbit.hpp include/lowbit/policy/scheme.hpp)
    if(NOT EXISTS "${prefix}/${file}")
      message(FATAL_ERROR "[package] ${file} was not installed")
    endif()
  endforeach()
  file(GLOB_RECURSE config "${prefix}/*/lowbitConfig.cmake")
  if(NOT config)
    message(FATAL_ERROR "[package] lowbitConfig.cmake was not installed")
  endif()
  run("configure consumer" ${CMAKE_COMMAND} ${common_args} -S ${CMAKE_CURRENT_LIST_DIR}/consumer -B ${consumer_build}
      -DLOWBIT_CONSUME=package -DCMAKE_PREFIX_PATH=${prefix})
else()
  message(FATAL_ERROR "MODE must be subdirectory or package, not '${MODE}'")
endif()

run("build consumer" ${CMAKE_COMMAND} --build ${consumer_build} --config ${BUILD_TYPE})
file(GLOB_RECURSE exe LIST_DIRECTORIES false "${consumer_build}/consumer" "${consumer_build}/*/consumer"
     "${consumer_build}/consumer.exe" "${consumer_build}/*/consumer.exe")
if(NOT exe)
  message(FATAL_ERROR "[${MODE}] the consumer binary was not built")
endif()
list(GET exe 0 exe)
run("run consumer" ${exe})

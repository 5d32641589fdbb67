# Runs a unit test binary as if the CPU lacked its ISA level
# (LOWBIT_TEST_PRETEND_MISSING) and requires what ctest relies on to report a
# skip: exit code 77 and a SKIPPED line naming the level.
#   cmake -DBINARY=<path> -DLEVEL=<level> -P isa_skip_check.cmake
set(ENV{LOWBIT_TEST_PRETEND_MISSING} "${LEVEL}")
execute_process(COMMAND "${BINARY}" RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 77)
  message(FATAL_ERROR "expected exit code 77 from ${BINARY}, got ${code}\n${out}${err}")
endif()
if(NOT out MATCHES "SKIPPED: this CPU cannot run the ${LEVEL} build")
  message(FATAL_ERROR "expected a SKIPPED line for ${LEVEL}, got:\n${out}${err}")
endif()
message(STATUS "skip path ok: ${out}")

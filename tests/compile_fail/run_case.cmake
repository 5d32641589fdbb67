# Runs one compile-fail case (see CMakeLists.txt for the format of a case):
#   cmake -DSOURCE=<case.cpp> -DOUTPUT=<file> -DCOMPILER_ID=<GNU|Clang> -P run_case.cmake -- <compiler> <flags...>
#
# A case expecting "compiles" must compile and link into OUTPUT. Any other case
# must fail to compile (-c, into OUTPUT), and every expectation that applies to
# COMPILER_ID must occur WHOLE in the compiler output: the complete text, ending
# where a line of the output ends (or at the closing quote Clang < 16 puts
# around a static_assert message). A shortened message, a wrong word anywhere
# in it, or a compile that fails for another reason is a MISMATCH. Diagnostics
# are read in the C locale: quotes are plain ASCII '.
cmake_minimum_required(VERSION 3.20)

# Stops the test with "compile_fail: <KIND>: <what>" (KIND: MISMATCH for a
# case that does not do what it expects, ERROR for a malformed one), printed
# as is: message(FATAL_ERROR) would re-wrap it.
function(stop kind what)
  message("compile_fail: ${kind}: ${what}")
  message(FATAL_ERROR "compile_fail: ${kind}")
endfunction()

foreach(var SOURCE OUTPUT COMPILER_ID)
  if(NOT DEFINED ${var})
    stop(ERROR "run_case.cmake needs -D${var}=...")
  endif()
endforeach()

# The compile command: the arguments after "--".
set(command "")
set(after_dashes FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_dashes)
    list(APPEND command "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(after_dashes TRUE)
  endif()
endforeach()
if(NOT command)
  stop(ERROR "no compile command after --")
endif()

# ---------------------------------------------------------------- expectations
# "// expect: <text>" (every compiler) or "// expect(<COMPILER_ID>): <text>"
# (that compiler only), continued by the "// <more text>" lines right after it
# (clang-format wraps long comments), joined with one space. The lines are
# split by hand, and ; [ ] stand in the lists as <SEMI> <LSQB> <RSQB>: a CMake
# list splits at ';' and not inside [...].
file(READ "${SOURCE}" text)
set(expectations "")  # the ones that apply to COMPILER_ID
set(all_count 0)
set(current "")
set(current_applies FALSE)
set(in_expectation FALSE)
macro(end_expectation)
  if(in_expectation)
    math(EXPR all_count "${all_count} + 1")
    if(current_applies)
      list(APPEND expectations "${current}")
    endif()
    set(in_expectation FALSE)
  endif()
endmacro()
string(REPLACE ";" "<SEMI>" text "${text}")
string(REPLACE "[" "<LSQB>" text "${text}")
string(REPLACE "]" "<RSQB>" text "${text}")
while(NOT text STREQUAL "")
  string(FIND "${text}" "\n" nl)
  if(nl EQUAL -1)
    set(line "${text}")
    set(text "")
  else()
    string(SUBSTRING "${text}" 0 ${nl} line)
    math(EXPR nl "${nl} + 1")
    string(SUBSTRING "${text}" ${nl} -1 text)
  endif()
  string(REGEX REPLACE "[ \t\r]+$" "" line "${line}")
  if(line MATCHES "^// expect(\\(([A-Za-z]+)\\))?: (.*)$")
    end_expectation()
    set(in_expectation TRUE)
    set(current "${CMAKE_MATCH_3}")
    if("${CMAKE_MATCH_2}" STREQUAL "" OR "${CMAKE_MATCH_2}" STREQUAL "${COMPILER_ID}")
      set(current_applies TRUE)
    else()
      set(current_applies FALSE)
    endif()
  elseif(in_expectation AND line MATCHES "^// (.+)$")
    string(APPEND current " ${CMAKE_MATCH_1}")
  else()
    end_expectation()
  endif()
endwhile()
end_expectation()

if(all_count EQUAL 0)
  stop(ERROR "${SOURCE} has no \"// expect: <message>\" line")
endif()

# ---------------------------------------------------------------- compile
set(ENV{LC_ALL} C)  # plain ASCII quotes in the diagnostics

if(expectations STREQUAL "compiles")
  execute_process(COMMAND ${command} "${SOURCE}" -o "${OUTPUT}" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    stop(MISMATCH "${SOURCE} must compile, but the compiler said (${rc}):\n${out}")
  endif()
  message(STATUS "compile_fail: ok: ${SOURCE} compiles")
  return()
endif()
if("compiles" IN_LIST expectations)
  stop(ERROR "${SOURCE}: \"compiles\" cannot be mixed with other expectations")
endif()
if(NOT expectations)
  stop(ERROR "${SOURCE} has no expectation for ${COMPILER_ID}; add a line \"// expect(${COMPILER_ID}): <message>\"")
endif()

execute_process(COMMAND ${command} -c "${SOURCE}" -o "${OUTPUT}" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE out)
# Should the locale not be honoured: the typographic quotes GCC uses in UTF-8.
string(REPLACE "‘" "'" out "${out}")
string(REPLACE "’" "'" out "${out}")

set(failures "")
if(rc EQUAL 0)
  string(APPEND failures "\n  the source compiled, but it must not")
endif()
foreach(expect IN LISTS expectations)
  string(REPLACE "<SEMI>" ";" expect "${expect}")
  string(REPLACE "<LSQB>" "[" expect "${expect}")
  string(REPLACE "<RSQB>" "]" expect "${expect}")
  # The expected text, matched literally, up to the end of an output line.
  string(REGEX REPLACE "([][+.*?()^$|\\\\])" "\\\\\\1" expect_regex "${expect}")
  if(out MATCHES "${expect_regex}(\n|\"|$)")
    message(STATUS "compile_fail: found: ${expect}")
  else()
    string(APPEND failures "\n  not in the compiler output (whole, to the end of a line): ${expect}")
  endif()
endforeach()

if(failures)
  message("compiler output (exit code ${rc}):\n${out}")
  stop(MISMATCH "${SOURCE} (${COMPILER_ID}):${failures}")
endif()
message(STATUS "compile_fail: ok: ${SOURCE} fails to compile with the expected message")

# lowbit runtime dispatch (include/lowbit/dispatch.hpp): compile a source file
# of LOWBIT_DISPATCH_GEMM definitions once per ISA level, each copy with only
# that level's flags, plus once as the dispatcher (no ISA flags), and add the
# objects to a target.
#
#   include(LowbitDispatch)   # found next to lowbitConfig.cmake, or in lowbit's cmake/
#   lowbit_add_dispatched_sources(<target> SOURCES <file>... [DEFINITIONS <def>...] [OPTIONS <opt>...])
#
# Levels and their flags (GCC / Clang, x86-64):
#   sse2        (none: the x86-64 baseline)
#   avx2        -march=x86-64-v3
#   avx512      -march=x86-64-v4
#   avx512vnni  -march=x86-64-v4 -mavx512vnni
# The flags are added after the target's own; keep -march / -m flags out of
# the global CMAKE_CXX_FLAGS, or the sse2 copy is not baseline code.
# DEFINITIONS and OPTIONS go to every copy (the dispatcher included).
include_guard(GLOBAL)

set(LOWBIT_DISPATCH_LEVELS sse2 avx2 avx512 avx512vnni)
set(LOWBIT_DISPATCH_FLAGS_sse2 "")
set(LOWBIT_DISPATCH_FLAGS_avx2 -march=x86-64-v3)
set(LOWBIT_DISPATCH_FLAGS_avx512 -march=x86-64-v4)
set(LOWBIT_DISPATCH_FLAGS_avx512vnni -march=x86-64-v4 -mavx512vnni)

function(lowbit_add_dispatched_sources target)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEFINITIONS;OPTIONS" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "lowbit_add_dispatched_sources(${target}): give SOURCES")
  endif()
  foreach(level IN LISTS LOWBIT_DISPATCH_LEVELS ITEMS dispatcher)
    set(lib ${target}_lowbit_${level})
    add_library(${lib} OBJECT ${ARG_SOURCES})
    target_link_libraries(${lib} PRIVATE lowbit::lowbit)
    target_compile_definitions(${lib} PRIVATE ${ARG_DEFINITIONS})
    target_compile_options(${lib} PRIVATE ${ARG_OPTIONS})
    if(level STREQUAL "dispatcher")
      target_compile_definitions(${lib} PRIVATE LOWBIT_DISPATCH_DISPATCHER=1)
    else()
      target_compile_definitions(${lib} PRIVATE LOWBIT_DISPATCH_LEVEL=${level})
      target_compile_options(${lib} PRIVATE ${LOWBIT_DISPATCH_FLAGS_${level}})
    endif()
    target_sources(${target} PRIVATE $<TARGET_OBJECTS:${lib}>)
  endforeach()
  target_link_libraries(${target} PRIVATE lowbit::lowbit)
endfunction()

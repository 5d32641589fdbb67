# The ISA levels lowbit's tests, examples and benchmarks are built for, and
# the warning flags of those (never of the lowbit interface target).
#
#   sse2    x86-64 baseline, no -m flags
#   avx2    -march=x86-64-v3 (AVX2, FMA, F16C, BMI2)
#   avx512  -march=x86-64-v4 (AVX-512 F/BW/CD/DQ/VL)
set(LOWBIT_ISA_LEVELS sse2 avx2 avx512)
set(LOWBIT_ISA_FLAGS_sse2 "")
set(LOWBIT_ISA_FLAGS_avx2 -march=x86-64-v3)
set(LOWBIT_ISA_FLAGS_avx512 -march=x86-64-v4)

set(LOWBIT_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Werror)
# GCC 12.0-12.2 reports a false "'__Y' is used uninitialized" inside avx512fintrin.h.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
   AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 12.3)
  list(APPEND LOWBIT_WARNINGS -Wno-uninitialized -Wno-maybe-uninitialized)
endif()

# lowbit_target_isa(<target> <level>): compile <target> for one ISA level.
function(lowbit_target_isa target level)
  target_compile_options(${target} PRIVATE ${LOWBIT_ISA_FLAGS_${level}})
  target_compile_definitions(${target} PRIVATE LOWBIT_ISA_LEVEL_${level}=1 LOWBIT_ISA_NAME="${level}")
endfunction()

# LOWBIT_BEST_ISA_LEVEL: the best of LOWBIT_ISA_LEVELS the configuring machine
# runs (a probe built and run at configure time), and LOWBIT_CPU_HAS_AVX512BF16.
# The tests put their strongest set at that level, so every CI machine runs it
# (a machine without AVX-512 runs the full product in unit.avx2). Override with
# -DLOWBIT_BEST_ISA_LEVEL=<level> when cross-compiling.
if(NOT DEFINED LOWBIT_BEST_ISA_LEVEL)
  try_run(_lowbit_probe_run _lowbit_probe_compile ${CMAKE_BINARY_DIR}/lowbit_cpu_probe
          ${CMAKE_CURRENT_LIST_DIR}/lowbit_cpu_probe.cpp RUN_OUTPUT_VARIABLE _lowbit_probe_out)
  if(_lowbit_probe_compile AND _lowbit_probe_run EQUAL 0)
    string(REPLACE " " ";" _lowbit_probe_out "${_lowbit_probe_out}")
    list(GET _lowbit_probe_out 0 _lowbit_best)
    set(LOWBIT_BEST_ISA_LEVEL ${_lowbit_best} CACHE STRING "best ISA level of this machine (tests)")
    if("avx512bf16" IN_LIST _lowbit_probe_out)
      set(LOWBIT_CPU_HAS_AVX512BF16 ON CACHE BOOL "this machine has AVX512-BF16 (tests)")
    else()
      set(LOWBIT_CPU_HAS_AVX512BF16 OFF CACHE BOOL "this machine has AVX512-BF16 (tests)")
    endif()
  else()
    set(LOWBIT_BEST_ISA_LEVEL avx512 CACHE STRING "best ISA level of this machine (tests)")
  endif()
  message(STATUS "lowbit: best ISA level of this machine: ${LOWBIT_BEST_ISA_LEVEL}")
endif()

# lowbit_python_venv(<var>): the project's Python tools venv (tools/setup.sh),
# as an absolute path: -DLOWBIT_VENV=<dir>, else the environment variable
# LOWBIT_VENV (as tools/setup.sh reads it), else <source>/.venv; a relative
# path is taken from the source root.
function(lowbit_python_venv var)
  if(LOWBIT_VENV)
    set(venv "${LOWBIT_VENV}")
  elseif(NOT "$ENV{LOWBIT_VENV}" STREQUAL "")
    set(venv "$ENV{LOWBIT_VENV}")
  else()
    set(venv .venv)
  endif()
  get_filename_component(venv "${venv}" ABSOLUTE BASE_DIR "${lowbit_SOURCE_DIR}")
  set(${var} "${venv}" PARENT_SCOPE)
endfunction()

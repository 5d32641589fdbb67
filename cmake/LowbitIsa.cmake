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

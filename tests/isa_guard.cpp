// Runs before any static initializer of the test binary (constructor priority
// 101) and is compiled for the baseline ISA: a binary built for an ISA level
// the CPU lacks says so and exits with 77, which ctest reports as skipped.
// LOWBIT_TEST_PRETEND_MISSING=<level> makes the binary of that level act as if
// the CPU lacked it, so the skip path is exercised on a CPU that has every level
// (the ctest test isa_guard.skip_path).
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

bool cpu_runs_this_level() {
  if (const char* pretend = std::getenv("LOWBIT_TEST_PRETEND_MISSING");
      pretend != nullptr && std::strcmp(pretend, LOWBIT_ISA_NAME) == 0)
    return false;
  __builtin_cpu_init();
#if defined(LOWBIT_TEST_ISA_avx512bf16)
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bf16");
#elif defined(LOWBIT_TEST_ISA_avx512vnni)
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512vnni");
#elif defined(LOWBIT_TEST_ISA_avx2vnni)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
         __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("avxvnni");
#elif defined(LOWBIT_TEST_ISA_avx512)
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd");
#elif defined(LOWBIT_TEST_ISA_avx2)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
         __builtin_cpu_supports("bmi2");
#else
  return true;
#endif
}

__attribute__((constructor(101))) void lowbit_isa_guard() {
  if (!cpu_runs_this_level()) {
    std::printf("SKIPPED: this CPU cannot run the %s build of the lowbit tests\n", LOWBIT_ISA_NAME);
    std::fflush(stdout);
    std::_Exit(77);
  }
}

}  // namespace

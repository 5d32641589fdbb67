// Prints the best lowbit ISA level this CPU runs (configure-time probe, see
// cmake/LowbitIsa.cmake): avx512, avx2 or sse2, and " avx512bf16" when the
// CPU also has AVX512-BF16. Built with no -m flags.
#include <cstdio>

int main() {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512cd");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
                    __builtin_cpu_supports("bmi2");
  std::printf("%s%s",
              avx512 ? "avx512"
              : avx2 ? "avx2"
                     : "sse2",
              avx512 && __builtin_cpu_supports("avx512bf16") ? " avx512bf16" : "");
  return 0;
}

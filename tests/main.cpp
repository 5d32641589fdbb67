#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "lowbit/config.hpp"

int main(int argc, char** argv) {
  std::printf("lowbit tests: ISA level %s, xsimd default_arch %s\n", LOWBIT_ISA_NAME, xsimd::default_arch::name());
  doctest::Context context(argc, argv);
  return context.run();
}

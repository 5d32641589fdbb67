// lowbit against a newer xsimd (13+, e.g. the copy inside PyPI's pythran):
// the headers must compile, and the SIMD paths must still match the scalar
// reference bit for bit. Built and run by run_xsimd_newer.cmake at one ISA
// level; exits 77 if this CPU cannot run that level, 1 on any mismatch.
#include <lowbit/lowbit.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <random>
#include <vector>

static_assert(XSIMD_VERSION_MAJOR >= 13, "this test is meant to build against xsimd 13 or newer");

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    std::printf("  FAILED: %s\n", what);
    ++failures;
  }
}

template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

template <int Bits, class Word>
void check_pack(const std::vector<std::uint8_t>& random_bytes) {
  using L = lowbit::packed_layout<Bits, Word>;
  for (const std::size_t n : {std::size_t{1}, std::size_t{100}, std::size_t{512}, std::size_t{1536 + 77}}) {
    std::vector<std::uint8_t> codes(n);
    for (std::size_t i = 0; i < n; ++i) codes[i] = static_cast<std::uint8_t>(random_bytes[i] >> (8 - Bits));
    std::vector<Word> packed(L::row_words(n)), packed_ref(L::row_words(n));
    lowbit::pack_row<Bits, Word>(codes.data(), n, packed.data());
    lowbit::reference::pack_row<Bits, Word>(codes.data(), n, packed_ref.data());
    check(same_bytes(packed, packed_ref), "pack_row differs from the reference");
    std::vector<std::uint8_t> unpacked(n);
    lowbit::unpack_row<Bits, Word>(packed.data(), n, unpacked.data());
    check(unpacked == codes, "unpack_row does not invert pack_row");
  }
}

template <lowbit::Scheme S>
void check_quantize(const std::vector<float>& x, std::size_t rows, std::size_t cols) {
  const lowbit::quantize_options options{.seed = 7};
  const auto q = lowbit::quantize<S>(x.data(), rows, cols, options);
  const auto q_ref = lowbit::reference::quantize<S>(x.data(), rows, cols, options);
  check(same_bytes(q.codes(), q_ref.codes()), "codes differ from the reference");
  check(same_bytes(q.scales(), q_ref.scales()), "scales differ from the reference");
  if constexpr (S::has_zero_point)
    check(same_bytes(q.zero_points(), q_ref.zero_points()), "zero points differ from the reference");
  std::vector<float> y(rows * cols), y_ref(rows * cols);
  lowbit::dequantize<S>(q, y.data());
  lowbit::reference::dequantize<S>(q_ref, y_ref.data());
  check(same_bytes(y, y_ref), "dequantized values differ from the reference");
}

bool cpu_runs_this_binary() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
#if defined(__AVX512BW__)
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512dq") || !__builtin_cpu_supports("avx512vl"))
    return false;
#endif
#if defined(__AVX2__)
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return false;
#endif
#endif
  return true;
}

int run(std::size_t rows, std::size_t cols) {
  std::mt19937 rng(1234);
  std::vector<std::uint8_t> bytes(4096);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng() >> 24);
  check_pack<1, std::uint8_t>(bytes);
  check_pack<2, std::uint8_t>(bytes);
  check_pack<3, std::uint8_t>(bytes);
  check_pack<4, std::uint8_t>(bytes);
  check_pack<5, std::uint16_t>(bytes);
  check_pack<6, std::uint32_t>(bytes);
  check_pack<7, std::uint64_t>(bytes);
  check_pack<8, std::uint8_t>(bytes);

  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> x(rows * cols);
  for (auto& v : x) v = normal(rng);
  using namespace lowbit;
  check_quantize<scheme<bits<4>, per_group<32>, scale<fp16>>>(x, rows, cols);
  check_quantize<scheme<asymmetric, bits<3>, per_channel, zero_point<std::uint8_t>>>(x, rows, cols);
  check_quantize<scheme<asymmetric, bits<5>, per_group<64>, scale<bf16>, zero_point<fp16>>>(x, rows, cols);
  check_quantize<scheme<bits<4>, per_group<32>, scale<fp16>, stochastic_rounding>>(x, rows, cols);
  check_quantize<scheme<bits<8>, per_tensor, code_word<std::uint32_t>>>(x, rows, cols);
  check_quantize<scheme<bits<1>, per_group<128>>>(x, rows, cols);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char**) {
  std::printf("lowbit against xsimd %d.%d.%d, default_arch %s\n", XSIMD_VERSION_MAJOR, XSIMD_VERSION_MINOR,
              XSIMD_VERSION_PATCH, xsimd::default_arch::name());
  if (!cpu_runs_this_binary()) {
    std::printf("SKIPPED: this CPU cannot run the %s build\n", xsimd::default_arch::name());
    return 77;
  }
  try {
    // The shape is a run-time value, as in real use (with a compile-time shape
    // smaller than a vector, GCC 12 -O3 -march=native warns falsely in
    // reference::quantize; that is not what this test is about).
    const std::size_t rows = 4 + static_cast<std::size_t>(argc), cols = 1000;
    const int rc = run(rows, cols);
    if (rc == 0)
      std::printf("ok: pack/unpack and quantize/dequantize match the reference\n");
    else
      std::printf("%d mismatches against the reference\n", failures);
    return rc;
  } catch (const std::exception& e) {
    std::printf("FAILED: unexpected exception: %s\n", e.what());
    return 1;
  }
}

// lowbit example: 3-bit and 5-bit schemes.
//
// A code width is a template argument, bits<B> for any B in [1, 8]. Nothing
// is registered anywhere to use bits<3> or bits<5>: the scheme is composed from
// its policy tags at compile time, the packing derives its bit planes from the
// binary digits of B (3 = 2+1, 5 = 4+1), and the same quantize / dequantize
// templates serve every width.
//
// The example quantizes a Gaussian matrix whose row length is not a multiple of
// the group size (the last group of each row is short), prints the error and
// the storage cost, and exits 1 if a code is out of range, an error exceeds
// half a quantization step, or the result differs from the scalar reference.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "lowbit/lowbit.hpp"

namespace {

using namespace lowbit;

// Symmetric 3-bit, one fp16 scale per 64 weights: codes -3..3 times d.
using sym3 = scheme<symmetric, bits<3>, per_group<64>, scale<fp16>>;
// Asymmetric 5-bit, one fp16 scale and one uint8 zero point per 32 weights: codes 0..31.
using asym5 = scheme<asymmetric, bits<5>, per_group<32>, scale<fp16>, zero_point<std::uint8_t>>;

// The tags may come in any order: the same policies name the same type.
static_assert(std::is_same_v<sym3, scheme<scale<fp16>, per_group<64>, bits<3>>>);  // symmetric is the default
static_assert(std::is_same_v<asym5, scheme<zero_point<std::uint8_t>, bits<5>, scale<fp16>, per_group<32>, asymmetric>>);
static_assert(sym3::bits == 3 && asym5::bits == 5 && asym5::code_max == 31);
// Bit planes, widest first: 3 = 2 + 1, 5 = 4 + 1.
static_assert(packed_layout<3, std::uint8_t>::plane_count == 2 && packed_layout<3, std::uint8_t>::plane_width[0] == 2 &&
              packed_layout<3, std::uint8_t>::plane_width[1] == 1);
static_assert(packed_layout<5, std::uint8_t>::plane_count == 2 && packed_layout<5, std::uint8_t>::plane_width[0] == 4 &&
              packed_layout<5, std::uint8_t>::plane_width[1] == 1);

std::vector<float> gaussian_matrix(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> x(n);
  for (float& v : x) v = normal(engine);
  return x;
}

template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

template <Scheme S>
int run(const char* name, const char* spelled, const std::vector<float>& x, std::size_t rows, std::size_t cols) {
  const quantized_matrix<S> q = lowbit::quantize<S>(x.data(), rows, cols);
  std::vector<float> x_hat(rows * cols);
  lowbit::dequantize<S>(q, x_hat.data());

  const matrix_layout<S> l = q.layout();
  int failures = 0;
  double signal = 0.0, noise = 0.0, max_abs = 0.0, worst_ratio = 0.0;
  std::vector<std::uint8_t> codes(cols);
  unsigned lowest = 255, highest = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    lowbit::unpack_row<S::bits>(q.view().row_codes(r), cols, codes.data());
    for (std::size_t c = 0; c < cols; ++c) {
      lowest = std::min<unsigned>(lowest, codes[c]);
      highest = std::max<unsigned>(highest, codes[c]);
      // The step of this element's group, as stored: the error is at most half of it
      // (plus float rounding of the arithmetic, hence the 1e-5 relative slack).
      const std::size_t g = r * l.groups_per_row() + c / l.group_length();
      zero_point_storage_t<S> z{};
      if constexpr (S::has_zero_point) z = q.zero_points()[g];
      const float step = load_group_params<S>(q.scales()[g], z).step;
      const double x_c = static_cast<double>(x[r * cols + c]);
      const double e = std::fabs(x_c - static_cast<double>(x_hat[r * cols + c]));
      const double bound = 0.5 * static_cast<double>(step) + 1e-5 * (std::fabs(x_c) + static_cast<double>(step));
      worst_ratio = std::max(worst_ratio, step > 0.0f ? e / static_cast<double>(step) : 0.0);
      if (e > bound) {
        if (failures < 5)
          std::printf("  row %zu col %zu: |x - x^| = %.3e exceeds half the step %.3e\n", r, c, e,
                      static_cast<double>(step));
        ++failures;
      }
      signal += x_c * x_c;
      noise += e * e;
      max_abs = std::max(max_abs, e);
    }
  }
  // Symmetric codes are offset by 2^(B-1); code 0 is never used (the grid is symmetric around 0).
  const unsigned code_lo = S::is_symmetric ? 1u : 0u;
  if (lowest < code_lo || highest > S::code_max) {
    std::printf("  codes span [%u, %u], outside [%u, %u]\n", lowest, highest, code_lo, S::code_max);
    ++failures;
  }

  // The public API (SIMD kernels for this build's ISA) must equal the scalar oracle.
  const quantized_matrix<S> q_ref = reference::quantize<S>(x.data(), rows, cols);
  std::vector<float> x_ref(rows * cols);
  reference::dequantize<S>(q_ref, x_ref.data());
  bool same =
      same_bytes(q.codes(), q_ref.codes()) && same_bytes(q.scales(), q_ref.scales()) && same_bytes(x_hat, x_ref);
  if constexpr (S::has_zero_point) same = same && same_bytes(q.zero_points(), q_ref.zero_points());
  if (!same) {
    std::printf("  differs from lowbit::reference\n");
    ++failures;
  }

  std::printf("%s\n  = %s\n", name, spelled);
  std::printf("  %zu x %zu: %zu groups per row (last one %zu long), codes %zu bytes, scales %zu, zero points %zu\n",
              rows, cols, l.groups_per_row(), cols - (l.groups_per_row() - 1) * l.group_length(), l.code_bytes(),
              l.scale_bytes(), l.zero_point_bytes());
  std::printf("  %.4f bits per weight (%.2fx smaller than fp32), codes used [%u, %u] of [0, %u]\n", l.bits_per_weight(),
              32.0 / l.bits_per_weight(), lowest, highest, S::code_max);
  std::printf("  RMSE %.3e, SQNR %.2f dB, max |x - x^| %.3e = %.3f steps (bound 0.5)\n",
              std::sqrt(noise / static_cast<double>(x.size())), 10.0 * std::log10(signal / noise), max_abs,
              worst_ratio);
  std::printf("  matches the scalar reference: %s\n\n", same ? "yes" : "NO");
  return failures;
}

}  // namespace

int main() {
  // 1000 columns: groups of 64 leave a last group of 40, groups of 32 one of 8,
  // and the second packing block of each row is short (488 codes).
  constexpr std::size_t rows = 96, cols = 1000;
  const std::vector<float> x = gaussian_matrix(rows * cols, 2024);

  std::printf("lowbit custom widths, built for %s: no width is registered or special-cased;\n",
              xsimd::default_arch::name());
  std::printf("bits<B> is a template argument and the bit planes follow from B's binary digits\n");
  std::printf("(bits<3>: planes 2+1, bits<5>: planes 4+1).\n\n");

  int failures = 0;
  failures += run<sym3>("sym3", "scheme<symmetric, bits<3>, per_group<64>, scale<fp16>>", x, rows, cols);
  failures += run<asym5>("asym5", "scheme<asymmetric, bits<5>, per_group<32>, scale<fp16>, zero_point<uint8_t>>", x,
                         rows, cols);
  if (failures != 0) {
    std::printf("FAILED: %d check(s)\n", failures);
    return 1;
  }
  std::printf("all checks passed\n");
  return 0;
}

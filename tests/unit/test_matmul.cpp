// The matrix products (lowbit/matmul.hpp) against fp64 oracles computed here
// over the dequantized weights (lowbit::dequantize of the same matrix, so the
// quantization error is not part of the comparison):
//   path::floating   y = sum W^ x:   ||y - ref|| / ||ref|| <= 1e-5, and per element
//                    |y - ref| <= (K + 64) 2^-24 sum |W^| |x|   (the error bound of a float
//                    sum of K products, in any order)
//   path::int8_dot   ref8 = sum W^ x~ with x~ = s_b a from reference::quantize_activations:
//                    per element the same float bound, with |W^| replaced by a bound on
//                    what the kernel sums (step (u + 128 + center) + |offset|: it adds
//                    step u s isum and the zero-point term separately, kernels/matmul.hpp);
//                    against the unquantized activations, |y - sum W^ x| <= sum |W^| s_b / 2
//                    plus that float slack (|x - x~| <= s_b / 2 is the only other error); and
//                    close to the float path on LLM-like data: ||y8 - yf|| / ||yf|| within 3x
//                    the estimate rms(s_b) / sqrt(12) / rms(x) (uniform rounding error).
// Every width, both zero-point kinds, every granularity (with groups shorter
// and longer than a register, and not multiples of 32), every scale and word
// type occur in the scheme list; shapes have tails of every kind; the output
// is poisoned and checked element by element (written inside the row range,
// untouched outside). Also: splits and thread counts give the same bits,
// epilogues, fp16 / bf16 activations, NaN / Inf, refusals, and the int8 dot
// on the extreme codes and activations (no maddubs saturation).
// The prepacked layout: the same oracle checks on prepack(q) for a covering
// subset of the schemes (every width, group sizes that do and do not divide
// its 128-column cells), the exact round trip, the byte layout of the worked
// example in docs/kernels.md, splits / threads / token counts, refusals.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "lowbit/lowbit.hpp"
#include "lowbit/matmul.hpp"
#include "lowbit/reference/matmul.hpp"
#include "support/test_data.hpp"

namespace {

using namespace lowbit;
using lowbit_test::pattern;

constexpr float poison = -12345.5f;

template <class T>
std::vector<T> activations(std::size_t tokens, std::size_t stride, std::size_t cols, std::uint32_t seed,
                           float outlier_scale = 8.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::uniform_real_distribution<float> u01(0.0f, 1.0f);
  std::vector<T> x(tokens * stride, T(0.0f));
  for (std::size_t n = 0; n < tokens; ++n)
    for (std::size_t k = 0; k < cols; ++k) {
      // LLM-like: mostly N(0, 1), a few channels much larger
      const float v = nd(rng) * (u01(rng) < 0.02f ? outlier_scale : 1.0f);
      if constexpr (std::is_same_v<T, float>)
        x[n * stride + k] = v;
      else
        x[n * stride + k] = T(v);
    }
  return x;
}

/// The oracle: per (token, row) the fp64 sum, the sum of magnitudes the
/// kernel's rounding error is bounded by, and for int8 the activation-rounding bound.
struct oracle {
  std::vector<double> value, magnitude, rounding;
};

template <class S, class Path>
oracle make_oracle(const quantized_matrix<S>& q, const std::vector<float>& x, std::size_t tokens, std::size_t stride) {
  const std::size_t rows = q.rows(), cols = q.cols();
  std::vector<float> what(rows * cols);
  lowbit::reference::dequantize(q.view(), what.data());
  oracle o;
  o.value.assign(tokens * rows, 0.0);
  o.magnitude.assign(tokens * rows, 0.0);
  o.rounding.assign(tokens * rows, 0.0);
  constexpr std::size_t block = detail::activation_block<S>;
  const std::size_t blocks = (cols + block - 1) / block;
  std::vector<std::int8_t> a(cols);
  std::vector<float> s(blocks);
  std::vector<std::int32_t> asum(blocks);
  std::vector<std::uint8_t> codes(cols);
  for (std::size_t n = 0; n < tokens; ++n) {
    const float* xn = x.data() + n * stride;
    std::vector<double> xt(xn, xn + cols);
    if constexpr (std::is_same_v<Path, path::int8_dot>) {
      reference::quantize_activations(xn, cols, block, a.data(), s.data(), asum.data());
      for (std::size_t k = 0; k < cols; ++k) xt[k] = static_cast<double>(s[k / block]) * a[k];
    }
    for (std::size_t r = 0; r < rows; ++r) {
      reference::unpack_row<S::bits, typename S::word_type>(q.view().row_codes(r), cols, codes.data());
      double v = 0, m = 0, rd = 0;
      for (std::size_t k = 0; k < cols; ++k) {
        const double wv = what[r * cols + k];
        v += wv * xt[k];
        if constexpr (std::is_same_v<Path, path::int8_dot>) {
          const std::size_t g = k / q.layout().group_length();
          group_params<S> p;
          if constexpr (S::has_zero_point)
            p = load_group_params<S>(q.scale(r, g), q.zero_point(r, g));
          else
            p = load_group_params<S>(q.scale(r, g));
          m += (std::fabs(p.step) * (codes[k] + 128.0 + std::fabs(p.center)) + std::fabs(p.offset)) * std::fabs(xt[k]);
          rd += std::fabs(wv) * s[k / block] * 0.5;
        } else {
          m += std::fabs(wv * xt[k]);
        }
      }
      o.value[n * rows + r] = v;
      o.magnitude[n * rows + r] = m;
      o.rounding[n * rows + r] = rd;
    }
  }
  return o;
}

/// Runs gemm<Path> on rows [r0, r1) into a poisoned, strided Y and checks it
/// against the oracle; with Prepacked, on prepack(q) (the same W^, the same bounds).
template <class S, class Path, bool Prepacked = false>
void check_gemm(const quantized_matrix<S>& q, const std::vector<float>& x, std::size_t tokens, std::size_t x_stride,
                std::size_t r0, std::size_t r1) {
  CAPTURE(Prepacked);
  const std::size_t rows = q.rows(), cols = q.cols(), y_stride = rows + 3;
  const oracle o = make_oracle<S, Path>(q, x, tokens, x_stride);
  std::vector<float> y(tokens * y_stride + 5, poison);
  const matmul_options options{.row_begin = r0, .row_end = r1, .x_stride = x_stride, .y_stride = y_stride};
  if constexpr (Prepacked)
    lowbit::gemm<Path>(lowbit::prepack(q), x.data(), tokens, y.data(), options);
  else
    lowbit::gemm<Path>(q, x.data(), tokens, y.data(), options);
  double num = 0, den = 0;
  const double slack = (static_cast<double>(cols) + 64.0) * std::ldexp(1.0, -24);
  for (std::size_t n = 0; n < tokens; ++n)
    for (std::size_t r = 0; r < y_stride; ++r) {
      const float got = y[n * y_stride + r];
      if (r < r0 || r >= r1) {
        if (got != poison) FAIL_CHECK("written outside the row range: token ", n, " row ", r);
        continue;
      }
      const double ref = o.value[n * rows + r];
      const double err = std::fabs(got - ref);
      num += err * err;
      den += ref * ref;
      if (!(err <= slack * o.magnitude[n * rows + r] + 1e-30))
        FAIL_CHECK("token ", n, " row ", r, ": ", got, " vs ", ref, " (bound ", slack * o.magnitude[n * rows + r], ")");
    }
  for (std::size_t i = tokens * y_stride; i < y.size(); ++i) CHECK(y[i] == poison);
  if constexpr (std::is_same_v<Path, path::floating>)
    if (den > 0) CHECK(std::sqrt(num / den) <= 1e-5);
  if constexpr (std::is_same_v<Path, path::int8_dot>) {
    // against the unquantized activations: the activation rounding bound
    const oracle exact = make_oracle<S, path::floating>(q, x, tokens, x_stride);
    for (std::size_t n = 0; n < tokens; ++n)
      for (std::size_t r = r0; r < r1; ++r) {
        const double got = y[n * y_stride + r], ref = exact.value[n * rows + r];
        const double bound = o.rounding[n * rows + r] + slack * o.magnitude[n * rows + r] + 1e-30;
        if (!(std::fabs(got - ref) <= bound))
          FAIL_CHECK("int8 vs exact activations, token ", n, " row ", r, ": ", got, " vs ", ref, " bound ", bound);
      }
  }
}

/// ||y8 - yf|| / ||yf|| against the estimate of the activation rounding alone.
template <class S>
void check_int8_close_to_floating(const quantized_matrix<S>& q, const std::vector<float>& x, std::size_t tokens,
                                  std::size_t x_stride) {
  const std::size_t rows = q.rows(), cols = q.cols();
  std::vector<float> yf(tokens * rows), y8(tokens * rows);
  lowbit::gemm<path::floating>(q, x.data(), tokens, yf.data(), {.x_stride = x_stride});
  lowbit::gemm<path::int8_dot>(q, x.data(), tokens, y8.data(), {.x_stride = x_stride});
  constexpr std::size_t block = detail::activation_block<S>;
  const std::size_t blocks = (cols + block - 1) / block;
  std::vector<std::int8_t> a(cols);
  std::vector<float> s(blocks);
  std::vector<std::int32_t> asum(blocks);
  double s2 = 0, x2 = 0, num = 0, den = 0;
  for (std::size_t n = 0; n < tokens; ++n) {
    reference::quantize_activations(x.data() + n * x_stride, cols, block, a.data(), s.data(), asum.data());
    for (std::size_t k = 0; k < cols; ++k) {
      s2 += static_cast<double>(s[k / block]) * s[k / block];
      x2 += static_cast<double>(x[n * x_stride + k]) * x[n * x_stride + k];
    }
  }
  for (std::size_t i = 0; i < yf.size(); ++i) {
    num += (static_cast<double>(y8[i]) - yf[i]) * (static_cast<double>(y8[i]) - yf[i]);
    den += static_cast<double>(yf[i]) * yf[i];
  }
  const double estimate = std::sqrt(s2 / x2 / 12.0);
  CAPTURE(estimate);
  if (den > 0) CHECK(std::sqrt(num / den) <= 3.0 * estimate);
}

/// prepack then unprepack gives back q, byte for byte.
template <class S>
void check_round_trip(const quantized_matrix<S>& q) {
  const prepacked_matrix<S> p = lowbit::prepack(q);
  const quantized_matrix<S> back = lowbit::unprepack(p);
  CHECK(back.codes() == q.codes());
  CHECK(std::memcmp(back.scales().data(), q.scales().data(), q.layout().scale_bytes()) == 0);
  if constexpr (S::has_zero_point)
    CHECK(std::memcmp(back.zero_points().data(), q.zero_points().data(), q.layout().zero_point_bytes()) == 0);
}

/// The oracle checks on both paths; with Prepacked also on prepack(q), and its round trip.
template <class S, bool Prepacked = false>
void check_scheme(std::uint32_t seed) {
  struct shape {
    std::size_t rows, cols, tokens;
  };
  // tails of every kind: cols below a register, not a multiple of the group,
  // of 32, of 512; a single row; tokens not a multiple of the tile (4)
  const shape shapes[] = {{1, 1, 1}, {5, 31, 3}, {7, 100, 1}, {3, 512, 5}, {6, 513, 2}, {4, 1100, 4}, {2, 2050, 6}};
  for (const shape& sh : shapes) {
    CAPTURE(sh.rows);
    CAPTURE(sh.cols);
    CAPTURE(sh.tokens);
    const auto w = lowbit_test::make(pattern::gaussian, sh.rows, sh.cols, seed++);
    const quantized_matrix<S> q = lowbit::quantize<S>(w.data(), sh.rows, sh.cols);
    const std::size_t x_stride = sh.cols + 2;
    const auto x = activations<float>(sh.tokens, x_stride, sh.cols, seed++);
    const std::size_t r0 = sh.rows > 2 ? 1 : 0, r1 = sh.rows > 3 ? sh.rows - 1 : sh.rows;
    check_gemm<S, path::floating>(q, x, sh.tokens, x_stride, r0, r1);
    check_gemm<S, path::int8_dot>(q, x, sh.tokens, x_stride, r0, r1);
    if (sh.cols >= 512) check_int8_close_to_floating(q, x, sh.tokens, x_stride);
    if constexpr (Prepacked) {
      check_gemm<S, path::floating, true>(q, x, sh.tokens, x_stride, r0, r1);
      check_gemm<S, path::int8_dot, true>(q, x, sh.tokens, x_stride, r0, r1);
      check_round_trip(q);
    }
  }
}

}  // namespace

// A covering set: every width, mode (symmetric, full range, integer zero point, float
// offset), granularity, scale type and word type occurs; per_group sizes below,
// at and above a register, multiples of 32 and not.
TEST_CASE("matmul: gemm matches the fp64 oracle, both paths, every kind of scheme") {
#if defined(LOWBIT_TEST_MATMUL_FEW)
  // the sanitizer build (tests/CMakeLists.txt): a few schemes that reach every
  // kernel (the register int8 kernel, the portable block loop, wide words, 1 bit)
  check_scheme<scheme<bits<1>, symmetric, per_group<32>, scale<fp16>>, true>(1);
  check_scheme<scheme<bits<3>, asymmetric, per_group<7>, zero_point<fp16>>>(6);
  check_scheme<scheme<bits<4>, asymmetric, per_group<128>, scale<fp16>>, true>(7);
  check_scheme<scheme<bits<8>, symmetric_full_range, per_channel, code_word<std::uint32_t>>, true>(21);
  check_scheme<scheme<bits<8>, asymmetric, per_channel, zero_point<bf16>, code_word<std::uint16_t>>, true>(18);
#else
  check_scheme<scheme<bits<1>, symmetric, per_group<32>, scale<fp16>>, true>(1);
  check_scheme<scheme<bits<1>, asymmetric, per_channel, zero_point<float>>>(2);
  check_scheme<scheme<bits<2>, asymmetric, per_group<64>, scale<bf16>, zero_point<std::uint8_t>>>(3);
  check_scheme<scheme<bits<2>, symmetric, per_tensor, code_word<std::uint64_t>>, true>(4);
  check_scheme<scheme<bits<3>, symmetric, per_group<128>, scale<fp16>, code_word<std::uint32_t>>, true>(5);
  check_scheme<scheme<bits<3>, asymmetric, per_group<7>, zero_point<fp16>>>(6);
  check_scheme<scheme<bits<4>, symmetric, per_group<32>, scale<fp16>>, true>(7);
  check_scheme<scheme<bits<4>, asymmetric, per_group<32>, scale<fp16>, zero_point<fp16>>>(8);
  check_scheme<scheme<bits<4>, asymmetric, per_group<48>, scale<bf16>, code_word<std::uint16_t>>, true>(9);
  check_scheme<scheme<bits<5>, asymmetric, per_group<96>, zero_point<bf16>>>(10);
  check_scheme<scheme<bits<5>, symmetric, per_channel, scale<bf16>>, true>(11);
  check_scheme<scheme<bits<6>, asymmetric, per_tensor, scale<fp16>, zero_point<std::uint16_t>>>(12);
  check_scheme<scheme<bits<6>, symmetric, per_group<16>, code_word<std::uint32_t>>, true>(13);
  check_scheme<scheme<bits<7>, asymmetric, per_channel, scale<fp16>, zero_point<float>>, true>(14);
  check_scheme<scheme<bits<7>, symmetric, per_group<256>, scale<bf16>>, true>(15);
  check_scheme<scheme<bits<8>, symmetric, per_group<32>, scale<fp16>>>(16);
  check_scheme<scheme<bits<8>, asymmetric, per_group<64>, scale<fp16>>, true>(17);
  check_scheme<scheme<bits<8>, asymmetric, per_channel, zero_point<bf16>, code_word<std::uint16_t>>, true>(18);
  // symmetric_full_range: negative scales, the level -2^(B-1) (-128 at 8 bits)
  check_scheme<scheme<bits<2>, symmetric_full_range, per_group<48>, scale<bf16>>>(19);
  check_scheme<scheme<bits<4>, symmetric_full_range, per_group<32>, scale<fp16>>, true>(20);
  check_scheme<scheme<bits<8>, symmetric_full_range, per_channel, code_word<std::uint32_t>>, true>(21);
#endif
}

TEST_CASE("matmul: adversarial weights (zero, constant, outlier, tiny groups) on both paths") {
  using S = scheme<bits<4>, asymmetric, per_group<32>, scale<fp16>>;
  using C = scheme<bits<3>, symmetric, per_channel>;
  for (pattern p : {pattern::zeros, pattern::constant_groups, pattern::outlier, pattern::tiny, pattern::mixed_groups,
                    pattern::near_fp16_max}) {
    CAPTURE(lowbit_test::name(p));
    const std::size_t rows = 6, cols = 700, tokens = 3;
    const auto w = lowbit_test::make(p, rows, cols, 5, 32);
    const auto x = activations<float>(tokens, cols, cols, 9);
    const quantized_matrix<S> q = lowbit::quantize<S>(w.data(), rows, cols);
    check_gemm<S, path::floating>(q, x, tokens, cols, 0, rows);
    check_gemm<S, path::int8_dot>(q, x, tokens, cols, 0, rows);
    const quantized_matrix<C> qc = lowbit::quantize<C>(w.data(), rows, cols);
    check_gemm<C, path::floating>(qc, x, tokens, cols, 0, rows);
    check_gemm<C, path::int8_dot>(qc, x, tokens, cols, 0, rows);
  }
}

TEST_CASE("matmul: the int8 dot is exact at the extreme codes and activations (no maddubs saturation)") {
  // Every code at 0 or 2^B - 1 against activations all +127 or -127 (a block's
  // maximum maps to 127): the largest sums dot4 can see, on every width.
  lowbit_test::for_each_width([]<int B>() {
#if defined(LOWBIT_TEST_MATMUL_FEW)
    if constexpr (B < 7) return;  // the sanitizer build: the maddubs boundary only (7 and 8 bits)
#endif
    using S = scheme<bits<B>, asymmetric, per_group<64>>;
    const std::size_t rows = 2, cols = 512;
    std::vector<float> w(rows * cols);
    for (std::size_t k = 0; k < cols; ++k) {
      w[k] = k == 0 ? 0.0f : 1.0f;         // row 0: code 2^B - 1 (and one 0)
      w[cols + k] = k == 1 ? 1.0f : 0.0f;  // row 1: code 0 (and one 2^B - 1)
    }
    const quantized_matrix<S> q = lowbit::quantize<S>(w.data(), rows, cols);
    for (float sign : {1.0f, -1.0f}) {
      std::vector<float> x(cols, sign * 3.0f);
      check_gemm<S, path::int8_dot>(q, x, 1, cols, 0, rows);
      std::vector<float> y(rows);
      lowbit::gemv<path::int8_dot>(q, x.data(), y.data());
      // x~ = x exactly (3 = 127 * (3 / 127) up to one rounding of s): the sums are exact integers times s
      std::vector<float> yf(rows);
      lowbit::gemv<path::floating>(q, x.data(), yf.data());
      for (std::size_t r = 0; r < rows; ++r) CHECK(std::fabs(y[r] - yf[r]) <= 1e-5f * std::fabs(yf[r]) + 1e-6f);
    }
  });
}

TEST_CASE("matmul: the int8 activations are the reference's, bit for bit, on every arch") {
  std::mt19937 rng(21);
  std::normal_distribution<float> nd;
  std::uniform_real_distribution<float> u01;
  for (std::size_t block : {7u, 16u, 32u, 48u, 64u, 100u, 256u}) {
    const std::size_t n = 6 * block + 5;
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t b = i / block;
      switch (b % 6) {
        case 0:
          x[i] = nd(rng);
          break;
        case 1:
          x[i] = 0.0f;
          break;  // an all-zero block
        case 2:
          x[i] = (i % block == 0 ? 127.0f : std::floor(u01(rng) * 254.0f) - 126.5f);
          break;  // halfway ties
        case 3:
          x[i] = 1e-40f * nd(rng);
          break;  // subnormals
        case 4:
          x[i] = 3e38f * (u01(rng) - 0.5f);
          break;  // near the float maximum
        default:
          x[i] = (i % block == 3 ? std::numeric_limits<float>::quiet_NaN() : nd(rng));
          break;
      }
    }
    x[5 * block + 1] = -0.0f;
    if (block > 8) x[4 * block + 2] = std::numeric_limits<float>::infinity();  // a second non-finite block
    const std::size_t blocks = (n + block - 1) / block;
    std::vector<std::int8_t> a0(n), a1(n);
    std::vector<float> s0(blocks), s1(blocks);
    std::vector<std::int32_t> m0(blocks), m1(blocks);
    reference::quantize_activations(x.data(), n, block, a0.data(), s0.data(), m0.data());
    kernels::matmul_impl::quantize_activations<xsimd::default_arch>(x.data(), n, block, a1.data(), s1.data(),
                                                                    m1.data());
    CAPTURE(block);
    CHECK(a0 == a1);
    CHECK(std::memcmp(s0.data(), s1.data(), blocks * sizeof(float)) == 0);
    CHECK(m0 == m1);
    // and the definition on the tie block: 127 maps to s = 1, so x = k + 0.5 rounds to even
    CHECK(s0[2] == 1.0f);
  }
}

TEST_CASE("matmul: every split of the rows and every thread count give the same bits") {
  using S = scheme<bits<5>, asymmetric, per_group<32>, scale<fp16>>;
  using P = scheme<bits<3>, asymmetric, per_group<7>, scale<bf16>>;
  const std::size_t rows = 23, cols = 777, tokens = 5;
  const auto w = lowbit_test::make(pattern::gaussian, rows, cols, 3);
  const auto x = activations<float>(tokens, cols, cols, 4);
  auto run = [&](auto tag, auto path_tag) {
    using Sc = decltype(tag);
    using Path = decltype(path_tag);
    const quantized_matrix<Sc> q = lowbit::quantize<Sc>(w.data(), rows, cols);
    std::vector<float> whole(tokens * rows, poison);
    lowbit::gemm<Path>(q, x.data(), tokens, whole.data());
    for (unsigned t : {1u, 2u, 3u, 7u, 64u}) {
      std::vector<float> y(tokens * rows, poison);
      lowbit::gemm<Path>(q, x.data(), tokens, y.data(), threads{t});
      CHECK(std::memcmp(y.data(), whole.data(), y.size() * sizeof(float)) == 0);
    }
    std::vector<float> split(tokens * rows, poison);
    for (auto [r0, r1] : {std::pair<std::size_t, std::size_t>{0, 5}, {5, 6}, {6, 17}, {17, 23}})
      lowbit::gemm<Path>(q, x.data(), tokens, split.data(), {.row_begin = r0, .row_end = r1});
    CHECK(std::memcmp(split.data(), whole.data(), split.size() * sizeof(float)) == 0);
    // a row-range view of the matrix computes the same rows
    std::vector<float> part(tokens * 11, poison);
    lowbit::gemm<Path>(q.rows(6, 17), x.data(), tokens, part.data());
    for (std::size_t n = 0; n < tokens; ++n)
      CHECK(std::memcmp(part.data() + n * 11, whole.data() + n * rows + 6, 11 * sizeof(float)) == 0);
    // one token at a time: the token tile does not change a row's bits
    for (std::size_t n = 0; n < tokens; ++n) {
      std::vector<float> one(rows, poison);
      lowbit::gemv<Path>(q, x.data() + n * cols, one.data());
      CHECK(std::memcmp(one.data(), whole.data() + n * rows, rows * sizeof(float)) == 0);
    }
  };
  run(S{}, path::floating{});
  run(S{}, path::int8_dot{});
  run(P{}, path::floating{});
  run(P{}, path::int8_dot{});
}

TEST_CASE("matmul: epilogues") {
  using S = scheme<bits<4>, symmetric, per_group<32>, scale<fp16>>;
  const std::size_t rows = 9, cols = 300, tokens = 3;
  const auto w = lowbit_test::make(pattern::gaussian, rows, cols, 6);
  const auto x = activations<float>(tokens, cols, cols, 7);
  const quantized_matrix<S> q = lowbit::quantize<S>(w.data(), rows, cols);
  std::vector<float> plain(tokens * rows);
  lowbit::gemm<path::floating>(q, x.data(), tokens, plain.data());
  std::vector<float> bias(rows);
  for (std::size_t r = 0; r < rows; ++r) bias[r] = 0.25f * static_cast<float>(r) - 1.0f;
  std::vector<float> y(tokens * rows, poison);
  lowbit::gemm<path::floating>(q, x.data(), tokens, y.data(), {}, epilogue::bias{bias.data()});
  for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == plain[i] + bias[i % rows]);
  lowbit::gemm<path::floating>(q, x.data(), tokens, y.data(), {}, epilogue::scale{0.5f});
  for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == 0.5f * plain[i]);
  std::vector<float> acc(tokens * rows);
  for (std::size_t i = 0; i < acc.size(); ++i) acc[i] = static_cast<float>(i % 5) - 2.0f;
  const std::vector<float> before = acc;
  lowbit::gemm<path::floating>(q, x.data(), tokens, acc.data(), {}, epilogue::accumulate{2.0f});
  for (std::size_t i = 0; i < acc.size(); ++i)
    CHECK(acc[i] == doctest::Approx(plain[i] + 2.0f * before[i]).epsilon(1e-6));
  // rows outside the range are not read or written by accumulate either
  std::vector<float> part = before;
  lowbit::gemm<path::floating>(q, x.data(), tokens, part.data(), {.row_begin = 2, .row_end = 4},
                               epilogue::accumulate{1.0f});
  for (std::size_t i = 0; i < part.size(); ++i)
    if (i % rows < 2 || i % rows >= 4) CHECK(part[i] == before[i]);
}

TEST_CASE("matmul: fp16 and bf16 activations give the results of their float values") {
  using S = scheme<bits<6>, asymmetric, per_group<64>, scale<bf16>>;
  const std::size_t rows = 5, cols = 333, tokens = 3;
  const auto w = lowbit_test::make(pattern::gaussian, rows, cols, 8);
  const quantized_matrix<S> q = lowbit::quantize<S>(w.data(), rows, cols);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const auto xh = activations<T>(tokens, cols, cols, 9);
    std::vector<float> xf(xh.size());
    for (std::size_t i = 0; i < xh.size(); ++i) xf[i] = float_storage<T>::to_float(xh[i]);
    for (int p = 0; p < 2; ++p) {
      std::vector<float> a(tokens * rows), b(tokens * rows);
      if (p == 0) {
        lowbit::gemm<path::floating>(q, xh.data(), tokens, a.data());
        lowbit::gemm<path::floating>(q, xf.data(), tokens, b.data());
      } else {
        lowbit::gemm<path::int8_dot>(q, xh.data(), tokens, a.data());
        lowbit::gemm<path::int8_dot>(q, xf.data(), tokens, b.data());
      }
      CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
    }
  };
  run(fp16{});
  run(bf16{});
}

TEST_CASE("matmul: NaN and Inf activations") {
  using S = scheme<bits<4>, asymmetric, per_group<32>, scale<fp16>>;
  const std::size_t rows = 4, cols = 200, tokens = 3;
  const auto w = lowbit_test::make(pattern::gaussian, rows, cols, 10);
  const quantized_matrix<S> q = lowbit::quantize<S>(w.data(), rows, cols);
  auto x = activations<float>(tokens, cols, cols, 11);
  x[1 * cols + 70] = std::numeric_limits<float>::quiet_NaN();  // token 1
  x[2 * cols + 5] = std::numeric_limits<float>::infinity();    // token 2
  // floating: as IEEE arithmetic: the fp64 oracle's NaN / Inf pattern
  const oracle o = make_oracle<S, path::floating>(q, x, tokens, cols);
  std::vector<float> y(tokens * rows);
  lowbit::gemm<path::floating>(q, x.data(), tokens, y.data());
  for (std::size_t i = 0; i < y.size(); ++i) {
    CAPTURE(i);
    CHECK(std::isnan(y[i]) == std::isnan(o.value[i]));
    CHECK(std::isinf(y[i]) == std::isinf(o.value[i]));
    if (std::isinf(o.value[i])) CHECK(std::signbit(y[i]) == std::signbit(o.value[i]));
  }
  for (std::size_t r = 0; r < rows; ++r) CHECK(std::isfinite(y[r]));  // token 0 is clean
  // int8_dot: every output of a token whose block holds NaN / Inf is NaN
  lowbit::gemm<path::int8_dot>(q, x.data(), tokens, y.data());
  for (std::size_t r = 0; r < rows; ++r) {
    CHECK(std::isfinite(y[r]));
    CHECK(std::isnan(y[rows + r]));
    CHECK(std::isnan(y[2 * rows + r]));
  }
}

TEST_CASE("matmul: bad input is refused before anything is written") {
  using S = scheme<bits<4>, asymmetric, per_group<32>, scale<fp16>>;
  const std::size_t rows = 6, cols = 64;
  const auto w = lowbit_test::make(pattern::gaussian, rows, cols, 12);
  const quantized_matrix<S> q = lowbit::quantize<S>(w.data(), rows, cols);
  const auto x = activations<float>(2, cols, cols, 13);
  std::vector<float> y(2 * rows, poison);
  auto refused = [&](status s, const std::string& words) {
    CAPTURE(s.message());
    CHECK_FALSE(s.ok());
    CHECK(std::string(s.message()).find(words) != std::string::npos);
    for (float v : y) CHECK(v == poison);
  };
  refused(lowbit::try_gemm(q, x.data(), 2, y.data(), {.row_begin = 2, .row_end = 7}), "outside the 6 rows");
  refused(lowbit::try_gemm(q, x.data(), 2, y.data(), {.row_begin = 4, .row_end = 3}), "row range");
  refused(lowbit::try_gemm(q, x.data(), 2, y.data(), {.x_stride = cols - 1}), "x_stride");
  refused(lowbit::try_gemm(q, x.data(), 2, y.data(), {.y_stride = rows - 1}), "y_stride");
  refused(lowbit::try_gemm(q, static_cast<const float*>(nullptr), 2, y.data()), "x pointer is null");
  refused(lowbit::try_gemm(q, x.data(), 2, static_cast<float*>(nullptr)), "y pointer is null");
  refused(lowbit::try_gemm(q, x.data(), 2, y.data() + 1, {}, epilogue::bias{nullptr}), "bias pointer is null");
  refused(lowbit::try_gemm(q, x.data(), 2, y.data(), threads{0}), "thread count is 0");
  const float* misaligned = reinterpret_cast<const float*>(reinterpret_cast<const char*>(x.data()) + 1);
  refused(lowbit::try_gemm(q, misaligned, 1, y.data()), "not aligned");
  // overlaps: y over x, over the codes, over the bias
  std::vector<float> xy(2 * cols + 2 * rows, 1.0f);
  const std::vector<float> xy_before = xy;
  status s = lowbit::try_gemm(q, xy.data(), 2, xy.data() + cols);
  CHECK_FALSE(s.ok());
  CHECK(std::string(s.message()).find("overlaps the activations") != std::string::npos);
  CHECK(xy == xy_before);
  quantized_matrix<S> q2 = q;
  quantized_view<S> v = q2.view();
  s = lowbit::try_gemv(v, x.data(), reinterpret_cast<float*>(v.codes()));
  CHECK_FALSE(s.ok());
  CHECK(std::string(s.message()).find("overlaps the quantized matrix") != std::string::npos);
  CHECK(q2.codes() == q.codes());
  std::vector<float> yb(rows, 0.5f);
  s = lowbit::try_gemv(q, x.data(), yb.data(), {}, epilogue::bias{yb.data()});
  CHECK_FALSE(s.ok());
  CHECK(std::string(s.message()).find("overlaps the bias") != std::string::npos);
  // the throwing form throws lowbit::error with the same message
  CHECK_THROWS_AS(lowbit::gemm(q, x.data(), 2, y.data(), {.row_begin = 7}), lowbit::error);
  // nothing to compute: no pointer is needed
  CHECK(lowbit::try_gemm(q, static_cast<const float*>(nullptr), 0, static_cast<float*>(nullptr)).ok());
  CHECK(lowbit::try_gemm(q, static_cast<const float*>(nullptr), 2, static_cast<float*>(nullptr),
                         {.row_begin = 3, .row_end = 3})
            .ok());
}

TEST_CASE("matmul: a matrix with no columns gives the epilogue of 0") {
  using S = scheme<bits<4>, symmetric, per_group<32>>;
  const quantized_matrix<S> none(4, 0);
  std::vector<float> y(4, poison), bias = {1.0f, 2.0f, 3.0f, 4.0f};
  const float x = 1.0f;
  lowbit::gemv(none, &x, y.data());
  for (float v : y) CHECK(v == 0.0f);
  lowbit::gemv(none, &x, y.data(), {}, epilogue::bias{bias.data()});
  CHECK(y == bias);
}

// ---------------------------------------------------------------- prepacked

TEST_CASE("prepacked: the byte layout of docs/kernels.md's worked example") {
  using S = scheme<bits<4>, symmetric, per_group<32>, scale<fp16>>;
  const std::size_t rows = 6, cols = 200;
  const auto w = lowbit_test::make(pattern::gaussian, rows, cols, 30);
  const quantized_matrix<S> q = lowbit::quantize<S>(w.data(), rows, cols);
  const prepacked_matrix<S> p = lowbit::prepack(q);
  const prepacked_layout<S>& l = p.layout();
  CHECK(l.tiles() == 2);
  CHECK(l.cells() == 2);
  CHECK(l.groups() == 7);
  CHECK(l.codes_offset() == 64);
  CHECK(l.tile_bytes() == 576);
  CHECK(p.bytes() == 1152);
  CHECK(reinterpret_cast<std::uintptr_t>(p.data()) % 64 == 0);
  // every code and scale where the layout says, read from the bytes alone
  std::vector<std::uint8_t> row(cols), cell(512);
  for (std::size_t r = 0; r < rows; ++r) {
    reference::unpack_row<4, std::uint8_t>(q.view().row_codes(r), cols, row.data());
    for (std::size_t k = 0; k < cols; ++k) {
      const std::size_t t = r / 4, i = r % 4, c = k / 128, j = k % 128 / 16, kk = k % 16;
      reference::unpack_row<4, std::uint8_t>(reinterpret_cast<const std::uint8_t*>(p.data() + t * 576 + 64 + c * 256),
                                             512, cell.data());
      if (cell[64 * j + 16 * i + kk] != row[k]) FAIL_CHECK("code of row ", r, " column ", k);
    }
    for (std::size_t g = 0; g < 7; ++g) {
      fp16 v;
      std::memcpy(&v, p.data() + (r / 4) * 576 + 2 * (4 * g + r % 4), 2);
      CHECK(v.bits == q.scale(r, g).bits);
    }
  }
  // W[5][150]: block index 86 of the cell at 576 + 64 + 256, scale at 576 + 2 * 17
  reference::unpack_row<4, std::uint8_t>(reinterpret_cast<const std::uint8_t*>(p.data() + 576 + 64 + 256), 512,
                                         cell.data());
  reference::unpack_row<4, std::uint8_t>(q.view().row_codes(5), cols, row.data());
  CHECK(cell[86] == row[150]);
  // padding: rows 6, 7 and columns 200..255 hold code 0, scale 0
  for (std::size_t k = 0; k < 64; ++k) CHECK(cell[64 * 7 + k] == 0);  // chunk 7: columns 240..255 of the 4 rows
  for (std::size_t g = 0; g < 7; ++g) CHECK(p.view().scale(6, g).bits == 0);
  // a view over a copy of the bytes (an engine's file) computes the same
  alignas(64) static std::byte copy[1152];
  std::memcpy(copy, p.data(), sizeof copy);
  const auto v = const_prepacked_view<S>::from_blob(rows, cols, copy, sizeof copy);
  const auto x = activations<float>(1, cols, cols, 31);
  std::vector<float> y0(rows), y1(rows);
  lowbit::gemv(p, x.data(), y0.data());
  lowbit::gemv(v, x.data(), y1.data());
  CHECK(std::memcmp(y0.data(), y1.data(), rows * sizeof(float)) == 0);
}

TEST_CASE("prepacked: every split, thread count and token count give the same bits") {
  using S = scheme<bits<4>, asymmetric, per_group<32>, scale<fp16>>;
  using G = scheme<bits<3>, symmetric, per_group<80>, scale<bf16>>;  // blocks that straddle cells
  const std::size_t rows = 23, cols = 777, tokens = 13;              // tokens: 8 + 4 + 1 token tiles
  const auto w = lowbit_test::make(pattern::gaussian, rows, cols, 32);
  const auto x = activations<float>(tokens, cols, cols, 33);
  auto run = [&](auto tag, auto path_tag) {
    using Sc = decltype(tag);
    using Path = decltype(path_tag);
    const prepacked_matrix<Sc> p = lowbit::prepack(lowbit::quantize<Sc>(w.data(), rows, cols));
    std::vector<float> whole(tokens * rows, poison);
    lowbit::gemm<Path>(p, x.data(), tokens, whole.data());
    for (unsigned t : {1u, 2u, 3u, 7u, 64u}) {
      std::vector<float> y(tokens * rows, poison);
      lowbit::gemm<Path>(p, x.data(), tokens, y.data(), threads{t});
      CHECK(std::memcmp(y.data(), whole.data(), y.size() * sizeof(float)) == 0);
    }
    std::vector<float> split(tokens * rows, poison);
    for (auto [r0, r1] : {std::pair<std::size_t, std::size_t>{0, 5}, {5, 6}, {6, 17}, {17, 23}})
      lowbit::gemm<Path>(p, x.data(), tokens, split.data(), {.row_begin = r0, .row_end = r1});
    CHECK(std::memcmp(split.data(), whole.data(), split.size() * sizeof(float)) == 0);
    for (std::size_t n = 0; n < tokens; ++n) {
      std::vector<float> one(rows, poison);
      lowbit::gemv<Path>(p, x.data() + n * cols, one.data());
      CHECK(std::memcmp(one.data(), whole.data() + n * rows, rows * sizeof(float)) == 0);
    }
  };
  run(S{}, path::floating{});
  run(S{}, path::int8_dot{});
  run(G{}, path::int8_dot{});
}

TEST_CASE("prepacked: fp16 activations, epilogues, NaN / Inf") {
  using S = scheme<bits<4>, asymmetric, per_group<32>, scale<fp16>>;
  const std::size_t rows = 5, cols = 200, tokens = 3;
  const auto w = lowbit_test::make(pattern::gaussian, rows, cols, 34);
  const quantized_matrix<S> q = lowbit::quantize<S>(w.data(), rows, cols);
  const prepacked_matrix<S> p = lowbit::prepack(q);
  const auto xh = activations<fp16>(tokens, cols, cols, 35);
  std::vector<float> xf(xh.size());
  for (std::size_t i = 0; i < xh.size(); ++i) xf[i] = float_storage<fp16>::to_float(xh[i]);
  std::vector<float> a(tokens * rows), b(tokens * rows), bias(rows, 0.5f);
  lowbit::gemm<path::int8_dot>(p, xh.data(), tokens, a.data());
  lowbit::gemm<path::int8_dot>(p, xf.data(), tokens, b.data());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  lowbit::gemm<path::int8_dot>(p, xf.data(), tokens, b.data(), {}, epilogue::bias{bias.data()});
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(b[i] == a[i] + 0.5f);
  xf[1 * cols + 70] = std::numeric_limits<float>::quiet_NaN();
  xf[2 * cols + 199] = -std::numeric_limits<float>::infinity();
  const oracle o = make_oracle<S, path::floating>(q, xf, tokens, cols);
  lowbit::gemm<path::floating>(p, xf.data(), tokens, a.data());
  lowbit::gemm<path::int8_dot>(p, xf.data(), tokens, b.data());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    CHECK(std::isnan(a[i]) == std::isnan(o.value[i]));
    CHECK(std::isinf(a[i]) == std::isinf(o.value[i]));
    CHECK(std::isnan(b[i]) == (i >= rows));  // int8: a token with a non-finite block is NaN
  }
}

TEST_CASE("prepacked: bad input is refused before anything is written") {
  using S = scheme<bits<4>, asymmetric, per_group<32>, scale<fp16>>;
  const std::size_t rows = 6, cols = 64;
  const auto w = lowbit_test::make(pattern::gaussian, rows, cols, 36);
  const quantized_matrix<S> q = lowbit::quantize<S>(w.data(), rows, cols);
  prepacked_matrix<S> p(rows, cols), other(rows, cols + 1);
  auto message = [](status s) { return std::string(s.message()); };
  CHECK(message(lowbit::try_prepack(q.view(), other.view())).find("but the matrix is 6x64") != std::string::npos);
  CHECK(lowbit::try_prepack(q.view(), p.view()).ok());
  prepacked_matrix<S> p2(rows, cols);
  CHECK(lowbit::try_prepack(q, p2).ok());  // the owning forms
  CHECK(std::memcmp(p2.data(), p.data(), p.bytes()) == 0);
  quantized_matrix<S> q3(rows, cols);
  CHECK(lowbit::try_unprepack(p2, q3).ok());
  CHECK(q3.codes() == q.codes());
  quantized_matrix<S> back(rows, cols + 1);
  CHECK(message(lowbit::try_unprepack(p.view(), back.view())).find("unprepack: the output is") != std::string::npos);
  std::vector<std::byte> big(p.bytes() + 64);
  const auto addr = reinterpret_cast<std::uintptr_t>(big.data());
  std::byte* aligned = big.data() + (64 - addr % 64) % 64;
  prepacked_view<S> pv;
  CHECK(prepacked_view<S>::try_from_blob(rows, cols, aligned, p.bytes(), pv).ok());
  CHECK(message(prepacked_view<S>::try_from_blob(rows, cols, aligned, p.bytes() - 1, pv)).find("smaller") !=
        std::string::npos);
  CHECK(message(prepacked_view<S>::try_from_blob(rows, cols, aligned + 4, p.bytes(), pv)).find("not aligned") !=
        std::string::npos);
  CHECK(message(prepacked_view<S>::try_from_blob(rows, cols, nullptr, p.bytes(), pv)).find("null") !=
        std::string::npos);
  // prepack into memory that holds the quantized matrix, and back
  const matrix_layout<S> ql(rows, cols);
  std::vector<std::byte> shared(std::max(ql.total_bytes(), p.bytes()) + 64);
  std::byte* base = shared.data() + (64 - reinterpret_cast<std::uintptr_t>(shared.data()) % 64) % 64;
  const auto qv = quantized_view<S>::from_blob(rows, cols, base, ql.total_bytes());
  const auto pv2 = prepacked_view<S>::from_blob(rows, cols, base, p.bytes());
  CHECK(message(lowbit::try_prepack(qv, pv2)).find("prepack: the output overlaps") != std::string::npos);
  CHECK(message(lowbit::try_unprepack(pv2, qv)).find("unprepack: the output overlaps") != std::string::npos);
  prepacked_layout<S> l;
  CHECK(message(prepacked_layout<S>::try_make(SIZE_MAX, 2, l)).find("too large") != std::string::npos);
  CHECK(message(prepacked_layout<S>::try_make(SIZE_MAX / 8, 16, l)).find("too large") != std::string::npos);
  // gemm: the output over the prepacked bytes
  const auto x = activations<float>(1, cols, cols, 37);
  std::vector<std::byte> before(p.data(), p.data() + p.bytes());
  const status s = lowbit::try_gemv(p.view(), x.data(), reinterpret_cast<float*>(p.data()));
  CHECK(message(s).find("overlaps the quantized matrix") != std::string::npos);
  CHECK(std::memcmp(before.data(), p.data(), p.bytes()) == 0);
  std::vector<float> y(rows, poison);
  CHECK(message(lowbit::try_gemv(p, x.data(), y.data(), {.row_begin = 2, .row_end = 9})).find("outside") !=
        std::string::npos);
  CHECK(message(lowbit::try_gemm(p, x.data(), 1, y.data(), threads{0})).find("thread count is 0") != std::string::npos);
  for (float v : y) CHECK(v == poison);
}

TEST_CASE("prepacked: a matrix with no columns gives the epilogue of 0; an empty one writes nothing") {
  using S = scheme<bits<4>, symmetric, per_group<32>>;
  const prepacked_matrix<S> none(5, 0);
  CHECK(none.bytes() == 0);
  std::vector<float> y(5, poison), bias = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f};
  const float x = 1.0f;
  lowbit::gemv(none, &x, y.data());
  for (float v : y) CHECK(v == 0.0f);
  lowbit::gemv(none, &x, y.data(), threads{2}, {}, epilogue::bias{bias.data()});
  CHECK(y == bias);
  const quantized_matrix<S> back = lowbit::unprepack(none);
  CHECK(back.rows() == 5);
  CHECK(back.cols() == 0);
  const prepacked_matrix<S> empty(0, 7);
  CHECK(lowbit::try_gemv(empty, &x, static_cast<float*>(nullptr)).ok());
}

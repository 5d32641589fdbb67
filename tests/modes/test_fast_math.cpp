// lowbit built with -ffast-math.
//
// This file is its own doctest binary (with tests/main.cpp), compiled with
// -ffast-math at the best ISA level. -ffast-math implies -ffinite-math-only:
// GCC may assume no value is NaN or Inf and fold std::isnan / std::isinf /
// std::isfinite and NaN comparisons away, and -freciprocal-math /
// -fassociative-math / FMA contraction let it rearrange float arithmetic.
// lowbit's promises must hold anyway:
//   - NaN and Inf inputs (a quiet NaN, a signalling NaN bit pattern, a negative
//     NaN, +Inf, -Inf; in the first element, the last, the middle of a full SIMD
//     register and in a row tail) are refused by lowbit::quantize and
//     lowbit::reference::quantize (both forms), with the message that names
//     the value's kind and position, for symmetric and asymmetric schemes at
//     per_group<32>, per_channel and per_tensor, and nothing is written;
//   - a scale or offset the storage type cannot hold is still refused;
//   - finite input quantizes and dequantizes within half a step
//     (|x - x^| <= step / 2 * (1 + 1e-6) + 2^-22 |x|; stochastic rounding:
//     within a step), and lowbit:: (SIMD) and
//     lowbit::reference:: (scalar) give bit-identical codes, scales, zero
//     points and dequantized values;
//   - a group minimum of -0 stores the offset +0 gives (the library's -0 -> +0
//     normalization; -ffast-math implies -fno-signed-zeros);
//   - fp32 -> fp16 / bf16 -> fp32 conversion round-trips representable values
//     exactly and matches the scalar conversion bit for bit.
#include <doctest/doctest.h>

#if !defined(__FAST_MATH__)
#error "test_fast_math.cpp must be compiled with -ffast-math"
#endif

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "lowbit/lowbit.hpp"

namespace {

using lowbit::asymmetric;
using lowbit::bits;
using lowbit::per_channel;
using lowbit::per_group;
using lowbit::per_tensor;
using lowbit::scale;
using lowbit::scheme;
using lowbit::zero_point;

using sym_g32 = scheme<bits<4>, per_group<32>>;
using asym_g32 = scheme<asymmetric, bits<4>, per_group<32>, scale<lowbit::fp16>>;
using sym_ch = scheme<bits<8>, per_channel, scale<lowbit::bf16>>;
using asym_ch = scheme<asymmetric, bits<3>, per_channel, lowbit::code_word<std::uint32_t>>;
using sym_tensor = scheme<bits<2>, per_tensor>;
using asym_tensor = scheme<asymmetric, bits<5>, per_tensor, zero_point<lowbit::fp16>>;
// Only in the finite tests:
using asym_g7_stochastic = scheme<asymmetric, bits<3>, per_group<7>, lowbit::stochastic_rounding>;
using offset_g32 = scheme<asymmetric, bits<4>, per_group<32>, zero_point<lowbit::fp16>, scale<lowbit::fp16>>;
using sym1_g32 = scheme<bits<1>, per_group<32>>;
using offset_ch_f32 = scheme<asymmetric, bits<2>, per_channel, zero_point<float>>;

// 70 columns: full registers and a tail of 2 (SSE2), 6 (AVX2, AVX-512) per row.
constexpr std::size_t rows = 4, cols = 70;
constexpr std::byte poison{0xA5};

float from_bits(std::uint32_t b) {
  return std::bit_cast<float>(b);
}
std::uint32_t to_bits(float f) {
  return std::bit_cast<std::uint32_t>(f);
}

/// Rows of different kinds: both signs; tiny (fp16 scales subnormal); large
/// positive (an fp16 offset clamps to 65504); negative only.
std::vector<float> make_x() {
  std::vector<float> x(rows * cols);
  for (std::size_t c = 0; c < cols; ++c) {
    const double s = std::sin(0.731 * static_cast<double>(c) + 0.2);  // in [-1, 1]
    x[0 * cols + c] = static_cast<float>(0.5 + 2.5 * s);
    x[1 * cols + c] = static_cast<float>((c % 2 ? -1.0 : 1.0) * (1.0e-7 + 9.0e-7 * std::fabs(s)));
    x[2 * cols + c] = static_cast<float>(70000.0 + 5.0 * (1.0 + s));
    x[3 * cols + c] = c % 9 == 0 ? 0.0f : static_cast<float>(-3.0 + 2.0 * s);
  }
  return x;
}

template <lowbit::Scheme S>
struct poisoned_blob {
  std::vector<std::byte> bytes;
  lowbit::quantized_view<S> view;
  poisoned_blob() {
    const lowbit::matrix_layout<S> l{rows, cols};
    bytes.assign(l.total_bytes() + 64, poison);
    view = lowbit::quantized_view<S>::from_blob(rows, cols, bytes.data(), bytes.size());
  }
  bool untouched() const {
    return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == poison; });
  }
};

struct bad_value {
  const char* name;
  std::uint32_t bits;
  const char* kind;  // "NaN" or "Inf"
};
constexpr bad_value bad_values[] = {{"quiet NaN", 0x7fc00000u, "NaN"},
                                    {"signalling NaN", 0x7f800001u, "NaN"},
                                    {"negative NaN with payload", 0xffc12345u, "NaN"},
                                    {"+Inf", 0x7f800000u, "Inf"},
                                    {"-Inf", 0xff800000u, "Inf"}};

struct position {
  const char* name;
  std::size_t row, col;
};
constexpr position positions[] = {{"first element", 0, 0},
                                  {"last element", rows - 1, cols - 1},
                                  {"middle of a full register", 2, 21},
                                  {"row tail", 1, 69}};

/// Every bad value at every position: refused by the SIMD and the reference
/// entry points (error-code and throwing forms) with the same message,
/// nothing written.
template <lowbit::Scheme S>
void check_non_finite_refused() {
  for (const bad_value& b : bad_values) {
    for (const position& p : positions) {
      CAPTURE(b.name);
      CAPTURE(p.name);
      std::vector<float> x = make_x();
      x[p.row * cols + p.col] = from_bits(b.bits);
      const std::string expected = std::string("lowbit: quantize: ") + b.kind + " at row " + std::to_string(p.row) +
                                   ", column " + std::to_string(p.col) + "; nothing was written";
      poisoned_blob<S> simd, ref, simd_throw, ref_throw;
      const lowbit::status s = lowbit::try_quantize<S>(x.data(), rows, cols, simd.view);
      const lowbit::status t = lowbit::reference::try_quantize<S>(x.data(), rows, cols, ref.view);
      CHECK(s.message() == expected);
      CHECK(t.message() == expected);
      std::string thrown_simd, thrown_ref;
      try {
        lowbit::quantize<S>(x.data(), rows, cols, simd_throw.view);
      } catch (const lowbit::error& e) {
        thrown_simd = e.what();
      }
      try {
        lowbit::reference::quantize<S>(x.data(), rows, cols, ref_throw.view);
      } catch (const lowbit::error& e) {
        thrown_ref = e.what();
      }
      CHECK(thrown_simd == expected);
      CHECK(thrown_ref == expected);
      CHECK_THROWS_AS(lowbit::quantize<S>(x.data(), rows, cols), lowbit::error);
      CHECK(simd.untouched());
      CHECK(ref.untouched());
      CHECK(simd_throw.untouched());
      CHECK(ref_throw.untouched());
    }
  }
}

template <lowbit::Scheme S>
double step_of(const lowbit::const_quantized_view<S>& q, std::size_t r, std::size_t g) {
  const double d = static_cast<double>(static_cast<float>(q.scale(r, g)));
  return S::is_symmetric && S::bits == 1 ? 2.0 * d : d;
}

/// Finite input: SIMD and reference bit-identical, every element within half
/// a step (a step for stochastic rounding).
template <lowbit::Scheme S>
void check_finite(const std::vector<float>& x) {
  poisoned_blob<S> simd, ref;
  const lowbit::status s = lowbit::try_quantize<S>(x.data(), rows, cols, simd.view, {.seed = 77});
  const lowbit::status t = lowbit::reference::try_quantize<S>(x.data(), rows, cols, ref.view, {.seed = 77});
  INFO("simd: ", s.message(), " reference: ", t.message());
  REQUIRE(s.ok());
  REQUIRE(t.ok());
  const auto l = simd.view.layout();
  CHECK(std::memcmp(simd.bytes.data(), ref.bytes.data(), l.code_bytes()) == 0);
  CHECK(std::memcmp(simd.view.scales(), ref.view.scales(), l.scale_bytes()) == 0);
  if constexpr (S::has_zero_point)
    CHECK(std::memcmp(simd.view.zero_points(), ref.view.zero_points(), l.zero_point_bytes()) == 0);
  CHECK(simd.bytes == ref.bytes);  // padding and guard included

  std::vector<float> a(rows * cols), b(rows * cols);
  REQUIRE(lowbit::try_dequantize(simd.view, a.data()).ok());
  REQUIRE(lowbit::reference::try_dequantize<S>(ref.view, b.data()).ok());
  // Stochastic rounding picks either grid neighbour: within one step.
  const double half = S::is_stochastic ? 1.0 : 0.5;
  std::size_t differ = 0, outside = 0;
  std::string first;
  const lowbit::const_quantized_view<S> v = simd.view;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const std::size_t i = r * cols + c;
      if (to_bits(a[i]) != to_bits(b[i])) ++differ;
      const double step = step_of<S>(v, r, c / l.group_length());
      const double err = std::fabs(static_cast<double>(x[i]) - static_cast<double>(a[i]));
      if (err > half * step * (1.0 + 1e-6) + std::ldexp(std::fabs(static_cast<double>(x[i])), -22)) {
        if (outside++ == 0)
          first = "row " + std::to_string(r) + ", column " + std::to_string(c) + ": x = " + std::to_string(x[i]) +
                  ", x^ = " + std::to_string(a[i]) + ", step = " + std::to_string(step);
      }
    }
  }
  INFO("first element beyond half a step: ", first);
  CHECK(differ == 0);
  CHECK(outside == 0);
}

}  // namespace

TEST_CASE_TEMPLATE("fast-math: NaN and Inf are refused, nothing written", S, sym_g32, asym_g32, sym_ch, asym_ch,
                   sym_tensor, asym_tensor) {
  check_non_finite_refused<S>();
}

TEST_CASE_TEMPLATE("fast-math: NaN and Inf in a later block of rows: refused, earlier blocks put back", S, sym_g32,
                   asym_g32, asym_ch) {
  // 40 x 4096: quantize works in blocks of rows (about 256 KiB of input), so
  // the blocks before the one with the bad value are written and put back.
  constexpr std::size_t big_rows = 40, big_cols = 4096;
  std::vector<float> x(big_rows * big_cols);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(std::sin(0.013 * static_cast<double>(i)) * (1.0 + static_cast<double>(i % 7)));
  const lowbit::matrix_layout<S> l{big_rows, big_cols};
  for (const bad_value& b : bad_values) {
    for (const std::size_t at : {std::size_t{39 * big_cols + 4000}, std::size_t{16 * big_cols + 4095}}) {
      CAPTURE(b.name);
      CAPTURE(at);
      std::vector<float> bad = x;
      bad[at] = from_bits(b.bits);
      const std::string expected = std::string("lowbit: quantize: ") + b.kind + " at row " +
                                   std::to_string(at / big_cols) + ", column " + std::to_string(at % big_cols) +
                                   "; nothing was written";
      std::vector<std::byte> simd(l.total_bytes(), poison), ref(l.total_bytes(), poison);
      const lowbit::status s =
          lowbit::try_quantize<S>(bad.data(), big_rows, big_cols,
                                  lowbit::quantized_view<S>::from_blob(big_rows, big_cols, simd.data(), simd.size()));
      const lowbit::status t = lowbit::reference::try_quantize<S>(
          bad.data(), big_rows, big_cols,
          lowbit::quantized_view<S>::from_blob(big_rows, big_cols, ref.data(), ref.size()));
      CHECK(s.message() == expected);
      CHECK(t.message() == expected);
      CHECK(std::all_of(simd.begin(), simd.end(), [](std::byte v) { return v == poison; }));
      CHECK(std::all_of(ref.begin(), ref.end(), [](std::byte v) { return v == poison; }));
    }
  }
}

TEST_CASE("fast-math: a scale or offset the storage cannot hold is refused") {
  std::vector<float> x = make_x();
  x[1 * cols + 40] = 1.0e6f;  // asymmetric 4 bits: d = (1e6 + ...) / 15 > 65504 (fp16 scale)
  poisoned_blob<asym_g32> a, ar;
  const lowbit::status s = lowbit::try_quantize<asym_g32>(x.data(), rows, cols, a.view);
  const lowbit::status t = lowbit::reference::try_quantize<asym_g32>(x.data(), rows, cols, ar.view);
  INFO(s.message());
  CHECK(s.message().rfind("lowbit: scale ", 0) == 0);
  CHECK(s.message().find("of row 1, group 1 is not representable in fp16") != std::string::npos);
  CHECK(s.message() == t.message());
  CHECK(a.untouched());
  CHECK(ar.untouched());

  std::vector<float> y = make_x();
  y[3 * cols + 5] = -70000.0f;  // an fp16 offset below -65504
  poisoned_blob<asym_tensor> o, orf;
  const lowbit::status u = lowbit::try_quantize<asym_tensor>(y.data(), rows, cols, o.view);
  const lowbit::status w = lowbit::reference::try_quantize<asym_tensor>(y.data(), rows, cols, orf.view);
  INFO(u.message());
  CHECK(u.message().rfind("lowbit: offset ", 0) == 0);
  CHECK(u.message().find("is not representable in fp16") != std::string::npos);
  CHECK(u.message() == w.message());
  CHECK(o.untouched());
  CHECK(orf.untouched());
}

TEST_CASE_TEMPLATE("fast-math: finite input within half a step, SIMD and reference bit-identical", S, sym_g32, asym_g32,
                   sym_ch, asym_ch, sym_tensor, asym_tensor, asym_g7_stochastic, offset_g32, sym1_g32) {
  check_finite<S>(make_x());
  // and the data mirrored (other ends of the grids, other offsets); the
  // large row moved to [-60010, -60000] (an fp16 offset cannot go below -65504)
  std::vector<float> y = make_x();
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = i / cols == 2 ? y[i] - 130000.0f : -y[i];
  check_finite<S>(y);
}

TEST_CASE_TEMPLATE("fast-math: a group whose minimum is -0 stores the bytes +0 gives", S, offset_g32, offset_ch_f32) {
  // group_params.hpp normalizes lo = -0 to +0 (lo += 0.0f) so that the stored
  // offset does not depend on the sign of a zero; -ffast-math implies
  // -fno-signed-zeros, under which GCC may drop x + 0.0f.
  std::vector<float> pos = make_x(), neg;
  for (std::size_t c = 0; c < cols; ++c) pos[3 * cols + c] = c % 9 == 0 ? 0.0f : 1.0f + 0.01f * static_cast<float>(c);
  neg = pos;
  for (std::size_t c = 0; c < cols; c += 9) neg[3 * cols + c] = -0.0f;
  poisoned_blob<S> simd_pos, simd_neg, ref_pos, ref_neg;
  REQUIRE(lowbit::try_quantize<S>(pos.data(), rows, cols, simd_pos.view).ok());
  REQUIRE(lowbit::try_quantize<S>(neg.data(), rows, cols, simd_neg.view).ok());
  REQUIRE(lowbit::reference::try_quantize<S>(pos.data(), rows, cols, ref_pos.view).ok());
  REQUIRE(lowbit::reference::try_quantize<S>(neg.data(), rows, cols, ref_neg.view).ok());
  CHECK(simd_pos.bytes == ref_pos.bytes);
  CHECK(simd_neg.bytes == ref_neg.bytes);
  CHECK(simd_neg.bytes == simd_pos.bytes);
  CHECK(ref_neg.bytes == ref_pos.bytes);
}

TEST_CASE("fast-math: convert fp32 -> fp16 / bf16 -> fp32 round-trips exactly") {
  // fp16-representable: zeros, normal, the largest, the smallest normal and subnormal, 1/3 rounded
  const std::vector<std::uint32_t> h_values = {0x00000000u, 0x80000000u, 0x3f800000u, 0xc0200000u, 0x477fe000u,
                                               0x38800000u, 0x33800000u, 0x3eaaa000u, 0x7f800000u, 0xff800000u};
  // bf16-representable: also the largest bf16, FLT_MIN and a float subnormal (not flushed)
  const std::vector<std::uint32_t> b_values = {0x00000000u, 0x80000000u, 0x3f800000u, 0xc0490000u, 0x7f7f0000u,
                                               0x00800000u, 0x00400000u, 0x7f800000u, 0xff800000u, 0x42f70000u};
  for (int repeat = 0; repeat < 2; ++repeat) {
    // repeat 1: 4 copies, so that the values also pass through full registers
    const std::size_t copies = repeat == 0 ? 1 : 4;
    std::vector<float> f;
    for (std::size_t k = 0; k < copies; ++k)
      for (const std::uint32_t v : h_values) f.push_back(from_bits(v));
    std::vector<lowbit::fp16> h(f.size());
    std::vector<float> back(f.size());
    REQUIRE(lowbit::try_convert(f.data(), f.size(), h.data()).ok());
    REQUIRE(lowbit::try_convert(h.data(), h.size(), back.data()).ok());
    for (std::size_t i = 0; i < f.size(); ++i) {
      CAPTURE(i);
      CHECK(h[i].bits == lowbit::fp16::from_float(f[i]));
      CHECK(to_bits(back[i]) == to_bits(f[i]));
    }

    std::vector<float> g;
    for (std::size_t k = 0; k < copies; ++k)
      for (const std::uint32_t v : b_values) g.push_back(from_bits(v));
    std::vector<lowbit::bf16> bb(g.size());
    std::vector<float> gback(g.size());
    REQUIRE(lowbit::try_convert(g.data(), g.size(), bb.data()).ok());
    REQUIRE(lowbit::try_convert(bb.data(), bb.size(), gback.data()).ok());
    for (std::size_t i = 0; i < g.size(); ++i) {
      CAPTURE(i);
      CHECK(bb[i].bits == lowbit::bf16(g[i]).bits);
      CHECK(to_bits(gback[i]) == to_bits(g[i]));
    }
  }
  // NaN stays NaN (quieted, top payload bits kept), as the scalar conversion does.
  const float nans[] = {from_bits(0x7fc00000u), from_bits(0x7f800001u), from_bits(0xffc12345u)};
  lowbit::fp16 hn[3];
  lowbit::bf16 bn[3];
  REQUIRE(lowbit::try_convert(nans, 3, hn).ok());
  REQUIRE(lowbit::try_convert(nans, 3, bn).ok());
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(hn[i].bits == lowbit::fp16::from_float(nans[i]));
    CHECK(bn[i].bits == lowbit::bf16(nans[i]).bits);
    CHECK((hn[i].bits & 0x7c00u) == 0x7c00u);
    CHECK((hn[i].bits & 0x03ffu) != 0u);
  }
}

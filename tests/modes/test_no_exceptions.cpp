// lowbit built with -fno-exceptions: the error-code entry points.
//
// This file is its own doctest binary (with tests/main.cpp), compiled with
// -fno-exceptions at the best ISA level. Without exceptions the throwing forms
// print the message and abort (error.hpp), and doctest has no CHECK_THROWS /
// REQUIRE, so everything here goes through the try_ forms and lowbit::status:
//   try_quantize (into a view and into an owning quantized_matrix),
//   try_dequantize, try_pack_row (<Bits, Word> and <Scheme> forms),
//   try_convert (the four directions), matrix_layout<S>::try_make / validate,
//   quantized_view<S>::try_make / try_from_blob, view.try_rows,
//   quantized_matrix<S>::try_make.
// For each: a success (status ok, results bit for bit those of the scalar
// reference, lowbit::reference::..., or of the scalar fp16 / bf16 conversion)
// and each refusal (NaN, Inf, an unrepresentable scale, a shape mismatch, null
// and misaligned pointers, a blob too small, a row range outside the matrix,
// sizes that overflow), with the message "lowbit: ..." and its distinguishing
// words, and the output untouched (poisoned before the call, compared after).
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "lowbit/lowbit.hpp"

static_assert(!LOWBIT_HAS_EXCEPTIONS, "test_no_exceptions.cpp must be compiled with -fno-exceptions");

namespace {

// Symmetric, fp16 scales (1e6 needs a scale beyond fp16 at 4 bits), byte words.
using sym4 = lowbit::scheme<lowbit::bits<4>, lowbit::per_group<32>, lowbit::scale<lowbit::fp16>>;
// Asymmetric with a zero-point array, 16-bit words (alignment 2), stochastic.
using asym3 = lowbit::scheme<lowbit::asymmetric, lowbit::bits<3>, lowbit::per_group<7>,
                             lowbit::code_word<std::uint16_t>, lowbit::stochastic_rounding>;

constexpr std::size_t rows = 5, cols = 70;
constexpr std::byte poison{0xA5};
constexpr std::size_t huge = std::numeric_limits<std::size_t>::max() / 2;

std::vector<float> make_x() {
  std::vector<float> x(rows * cols);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(2.0 * std::sin(0.37 * static_cast<double>(i)) + 0.01 * static_cast<double>(i % 11));
  return x;
}

/// s is a refusal "lowbit: ..." whose message contains every one of `words`.
void check_refused(const lowbit::status& s, std::initializer_list<std::string_view> words) {
  INFO("message: ", s.message());
  CHECK_FALSE(s.ok());
  CHECK_FALSE(static_cast<bool>(s));
  CHECK(s.message().rfind("lowbit: ", 0) == 0);
  for (const std::string_view w : words) {
    INFO("expected in it: ", std::string(w));
    CHECK(s.message().find(w) != std::string::npos);
  }
}

void check_ok(const lowbit::status& s) {
  INFO("message: ", s.message());
  CHECK(s.ok());
  CHECK(static_cast<bool>(s));
  CHECK(s.message().empty());
}

bool all_poison(const std::vector<std::byte>& b) {
  for (const std::byte v : b)
    if (v != poison) return false;
  return true;
}

/// A blob in the layout of matrix_layout<S> (plus 64 guard bytes), poisoned,
/// and the mutable view over it.
template <lowbit::Scheme S>
struct poisoned_blob {
  std::vector<std::byte> bytes;
  lowbit::quantized_view<S> view;

  poisoned_blob(std::size_t r, std::size_t c) {
    lowbit::matrix_layout<S> l;
    check_ok(lowbit::matrix_layout<S>::try_make(r, c, l));
    bytes.assign(l.total_bytes() + 64, poison);
    check_ok(lowbit::quantized_view<S>::try_from_blob(r, c, bytes.data(), bytes.size(), view));
  }
};

/// try_quantize into a view (SIMD and reference): refused with `words`, the
/// same message from both, nothing written.
template <lowbit::Scheme S>
void check_quantize_refused(const float* x, std::size_t r, std::size_t c,
                            std::initializer_list<std::string_view> words) {
  poisoned_blob<S> simd(rows, cols), ref(rows, cols);
  const lowbit::status s = lowbit::try_quantize<S>(x, r, c, simd.view, {.seed = 3});
  const lowbit::status t = lowbit::reference::try_quantize<S>(x, r, c, ref.view, {.seed = 3});
  check_refused(s, words);
  CHECK(s.message() == t.message());
  CHECK(all_poison(simd.bytes));
  CHECK(all_poison(ref.bytes));
}

template <lowbit::Scheme S>
bool same_bytes(const lowbit::quantized_matrix<S>& a, const lowbit::quantized_matrix<S>& b) {
  bool same = a.rows() == b.rows() && a.cols() == b.cols() && a.codes() == b.codes() &&
              std::memcmp(a.scales().data(), b.scales().data(), a.layout().scale_bytes()) == 0;
  if constexpr (S::has_zero_point)
    same = same && std::memcmp(a.zero_points().data(), b.zero_points().data(), a.layout().zero_point_bytes()) == 0;
  return same;
}

}  // namespace

// ---------------------------------------------------------------- quantize

TEST_CASE_TEMPLATE("no exceptions: try_quantize into a view gives the reference's bytes", S, sym4, asym3) {
  const std::vector<float> x = make_x();
  poisoned_blob<S> simd(rows, cols), ref(rows, cols);
  check_ok(lowbit::try_quantize<S>(x.data(), rows, cols, simd.view, {.seed = 11}));
  check_ok(lowbit::reference::try_quantize<S>(x.data(), rows, cols, ref.view, {.seed = 11}));
  CHECK(simd.bytes == ref.bytes);
  const std::size_t total = simd.view.layout().total_bytes();
  CHECK(std::all_of(simd.bytes.begin() + static_cast<std::ptrdiff_t>(total), simd.bytes.end(),
                    [](std::byte b) { return b == poison; }));  // the guard
  // An empty matrix: ok, nothing to do, even with a null input.
  poisoned_blob<S> empty(0, cols);
  check_ok(lowbit::try_quantize<S>(nullptr, 0, cols, empty.view));
  CHECK(all_poison(empty.bytes));
}

TEST_CASE_TEMPLATE("no exceptions: try_quantize into a view refuses bad input and writes nothing", S, sym4, asym3) {
  const float qnan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = make_x();
  SUBCASE("NaN") {
    x[2 * cols + 33] = qnan;
    check_quantize_refused<S>(x.data(), rows, cols, {"quantize: NaN at row 2, column 33", "nothing was written"});
  }
  SUBCASE("+Inf in the first element") {
    x[0] = inf;
    check_quantize_refused<S>(x.data(), rows, cols, {"quantize: Inf at row 0, column 0", "nothing was written"});
  }
  SUBCASE("-Inf in the last element") {
    x.back() = -inf;
    check_quantize_refused<S>(x.data(), rows, cols, {"quantize: Inf at row 4, column 69"});
  }
  SUBCASE("shape mismatch") {
    check_quantize_refused<S>(x.data(), cols, rows,
                              {"quantize: the quantized matrix is 5x70 but the fp32 matrix is 70x5"});
  }
  SUBCASE("null input") {
    check_quantize_refused<S>(nullptr, rows, cols, {"quantize: input pointer is null"});
  }
  SUBCASE("misaligned input") {
    std::vector<std::byte> raw(rows * cols * sizeof(float) + 4);
    std::memcpy(raw.data() + 1, x.data(), rows * cols * sizeof(float));
    const auto* misaligned = reinterpret_cast<const float*>(raw.data() + 1);
    check_quantize_refused<S>(misaligned, rows, cols, {"quantize: input pointer is not aligned to 4 bytes"});
  }
}

TEST_CASE("no exceptions: try_quantize refuses a scale the scale type cannot hold") {
  // symmetric 4 bits: d = 1e6 / 7 > 65504, the largest fp16
  std::vector<float> x = make_x();
  x[1 * cols + 40] = 1.0e6f;  // row 1, group 1 of per_group<32>
  check_quantize_refused<sym4>(x.data(), rows, cols, {"scale", "of row 1, group 1", "is not representable in fp16"});
  lowbit::quantized_matrix<sym4> q;
  check_ok(lowbit::quantized_matrix<sym4>::try_make(rows, cols, q));
  const lowbit::quantized_matrix<sym4> before = q;
  check_refused(lowbit::try_quantize<sym4>(x.data(), rows, cols, q), {"is not representable in fp16"});
  CHECK(same_bytes(q, before));
}

TEST_CASE_TEMPLATE("no exceptions: try_quantize into a quantized_matrix", S, sym4, asym3) {
  const std::vector<float> x = make_x();
  lowbit::quantized_matrix<S> q, ref;
  check_ok(lowbit::try_quantize<S>(x.data(), rows, cols, q, {.seed = 5}));
  CHECK(q.rows() == rows);
  CHECK(q.cols() == cols);
  check_ok(lowbit::quantized_matrix<S>::try_make(rows, cols, ref));
  check_ok(lowbit::reference::try_quantize<S>(x.data(), rows, cols, ref.view(), {.seed = 5}));
  CHECK(same_bytes(q, ref));

  // Refusals leave q as it was.
  const lowbit::quantized_matrix<S> before = q;
  std::vector<float> bad = x;
  bad[3 * cols + 7] = std::numeric_limits<float>::quiet_NaN();
  check_refused(lowbit::try_quantize<S>(bad.data(), rows, cols, q), {"quantize: NaN at row 3, column 7"});
  CHECK(same_bytes(q, before));
  check_refused(lowbit::try_quantize<S>(nullptr, rows, cols, q), {"quantize: input pointer is null"});
  CHECK(same_bytes(q, before));
  // sizes that overflow: refused before the input is looked at
  check_refused(lowbit::try_quantize<S>(x.data(), huge, huge, q),
                {"a " + std::to_string(huge) + "x" + std::to_string(huge) + " matrix is too large"});
  CHECK(same_bytes(q, before));
}

TEST_CASE_TEMPLATE("no exceptions: a refusal in a later block of rows puts back what earlier blocks wrote", S, sym4,
                   asym3) {
  // 40 x 4096: per_group quantize works in blocks of rows (about 256 KiB of
  // input, 16 rows here), so the blocks before a refused one have been
  // written when the refusal is found, and must be put back.
  constexpr std::size_t big_rows = 40, big_cols = 4096;
  std::vector<float> x(big_rows * big_cols), y(big_rows * big_cols);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<float>(std::sin(0.013 * static_cast<double>(i)) * (1.0 + static_cast<double>(i % 7)));
    y[i] = -0.5f * x[i];
  }
  struct bad_case {
    std::size_t row, col;
    float value;
    std::string words;
  };
  std::vector<bad_case> cases = {
      {39, 4000, std::numeric_limits<float>::quiet_NaN(), "quantize: NaN at row 39, column 4000"},
      {16, 0, -std::numeric_limits<float>::infinity(), "quantize: Inf at row 16, column 0"}};
  if constexpr (std::is_same_v<S, sym4>)
    cases.push_back({20, 100, 1.0e6f, "of row 20, group 3 is not representable in fp16"});
  for (const bad_case& b : cases) {
    CAPTURE(b.words);
    std::vector<float> bad = x;
    bad[b.row * big_cols + b.col] = b.value;
    // into poison
    poisoned_blob<S> simd(big_rows, big_cols), ref(big_rows, big_cols);
    const lowbit::status s = lowbit::try_quantize<S>(bad.data(), big_rows, big_cols, simd.view);
    const lowbit::status t = lowbit::reference::try_quantize<S>(bad.data(), big_rows, big_cols, ref.view);
    check_refused(s, {b.words});
    CHECK(s.message() == t.message());
    CHECK(all_poison(simd.bytes));
    CHECK(all_poison(ref.bytes));
    // into an earlier result: it stays
    poisoned_blob<S> prev(big_rows, big_cols);
    check_ok(lowbit::try_quantize<S>(y.data(), big_rows, big_cols, prev.view, {.seed = 1}));
    const std::vector<std::byte> before = prev.bytes;
    check_refused(lowbit::try_quantize<S>(bad.data(), big_rows, big_cols, prev.view, {.seed = 1}), {b.words});
    CHECK(prev.bytes == before);
    // the owning form
    lowbit::quantized_matrix<S> q;
    check_ok(lowbit::try_quantize<S>(y.data(), big_rows, big_cols, q));
    const lowbit::quantized_matrix<S> q_before = q;
    check_refused(lowbit::try_quantize<S>(bad.data(), big_rows, big_cols, q), {b.words});
    CHECK(same_bytes(q, q_before));
  }
  // and the same input without the bad value: the reference's bytes
  poisoned_blob<S> simd(big_rows, big_cols), ref(big_rows, big_cols);
  check_ok(lowbit::try_quantize<S>(x.data(), big_rows, big_cols, simd.view, {.seed = 2}));
  check_ok(lowbit::reference::try_quantize<S>(x.data(), big_rows, big_cols, ref.view, {.seed = 2}));
  CHECK(simd.bytes == ref.bytes);
}

// ---------------------------------------------------------------- dequantize

TEST_CASE_TEMPLATE("no exceptions: try_dequantize", S, sym4, asym3) {
  const std::vector<float> x = make_x();
  lowbit::quantized_matrix<S> q;
  check_ok(lowbit::try_quantize<S>(x.data(), rows, cols, q, {.seed = 9}));
  std::vector<float> ref(rows * cols), a(rows * cols, -1.0f), b(rows * cols, -1.0f), c(rows * cols, -1.0f);
  check_ok(lowbit::reference::try_dequantize<S>(q.view(), ref.data()));
  const lowbit::const_quantized_view<S> cv = q.view();
  check_ok(lowbit::try_dequantize(q, a.data()));         // quantized_matrix
  check_ok(lowbit::try_dequantize(q.view(), b.data()));  // mutable view
  check_ok(lowbit::try_dequantize(cv, c.data()));        // const view
  CHECK(std::memcmp(a.data(), ref.data(), ref.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(b.data(), ref.data(), ref.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(c.data(), ref.data(), ref.size() * sizeof(float)) == 0);

  check_refused(lowbit::try_dequantize(cv, nullptr), {"dequantize: output pointer is null"});
  check_refused(lowbit::reference::try_dequantize<S>(cv, nullptr), {"dequantize: output pointer is null"});
  std::vector<std::byte> raw(rows * cols * sizeof(float) + 4, poison);
  auto* misaligned = reinterpret_cast<float*>(raw.data() + 2);
  check_refused(lowbit::try_dequantize(q, misaligned), {"dequantize: output pointer is not aligned to 4 bytes"});
  CHECK(all_poison(raw));
  // An empty matrix needs no output.
  lowbit::quantized_matrix<S> empty;
  check_ok(lowbit::try_dequantize(empty, nullptr));
}

// ---------------------------------------------------------------- pack_row

TEST_CASE("no exceptions: try_pack_row, <Bits, Word> and <Scheme> forms") {
  constexpr std::size_t n = 1100;  // two full 512-code blocks and a tail
  std::vector<std::uint8_t> codes(n);
  for (std::size_t i = 0; i < n; ++i) codes[i] = static_cast<std::uint8_t>((i * 7) % 16);

  using L4 = lowbit::packed_layout<4, std::uint32_t>;
  std::vector<std::uint32_t> ref(L4::row_words(n)), out(L4::row_words(n), 0xA5A5A5A5u);
  check_ok(lowbit::reference::try_pack_row<4, std::uint32_t>(codes.data(), n, ref.data()));
  check_ok(lowbit::try_pack_row<4, std::uint32_t>(codes.data(), n, out.data()));
  CHECK(out == ref);

  // <Scheme>: 3 bits in uint16_t words
  std::vector<std::uint8_t> codes3(n);
  for (std::size_t i = 0; i < n; ++i) codes3[i] = static_cast<std::uint8_t>((i * 5) % 8);
  using L3 = lowbit::packed_layout<3, std::uint16_t>;
  std::vector<std::uint16_t> ref3(L3::row_words(n)), out3(L3::row_words(n), 0xA5A5u);
  check_ok(lowbit::reference::try_pack_row<3, std::uint16_t>(codes3.data(), n, ref3.data()));
  check_ok(lowbit::try_pack_row<asym3>(codes3.data(), n, out3.data()));
  CHECK(out3 == ref3);

  // A code that does not fit: refused, nothing written (in a SIMD block and in the tail).
  for (const std::size_t at : {std::size_t{5}, std::size_t{600}, std::size_t{1090}}) {
    CAPTURE(at);
    std::vector<std::uint8_t> bad = codes;
    bad[at] = 16;
    std::vector<std::uint32_t> words(L4::row_words(n), 0xA5A5A5A5u);
    const std::string needle = "pack: code 16 at index " + std::to_string(at) + " does not fit in 4 bits";
    check_refused(lowbit::try_pack_row<4, std::uint32_t>(bad.data(), n, words.data()), {needle});
    CHECK(words == std::vector<std::uint32_t>(L4::row_words(n), 0xA5A5A5A5u));

    std::vector<std::uint8_t> bad3 = codes3;
    bad3[at] = 8;
    std::vector<std::uint16_t> words3(L3::row_words(n), 0xA5A5u);
    check_refused(lowbit::try_pack_row<asym3>(bad3.data(), n, words3.data()),
                  {"pack: code 8 at index " + std::to_string(at) + " does not fit in 3 bits"});
    CHECK(words3 == std::vector<std::uint16_t>(L3::row_words(n), 0xA5A5u));
  }
}

// ---------------------------------------------------------------- convert

TEST_CASE("no exceptions: try_convert") {
  // 37 values: full registers and a tail on every ISA
  std::vector<float> f = {0.0f,
                          -0.0f,
                          1.0f,
                          -2.5f,
                          65504.0f,
                          65520.0f,
                          -1.0e9f,
                          1.0e-8f,
                          6.1e-5f,
                          3.14159f,
                          std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN(),
                          std::numeric_limits<float>::denorm_min()};
  for (int i = 0; f.size() < 37; ++i) f.push_back(static_cast<float>(std::ldexp(1.0 + 0.1 * i, i - 12)));
  const std::size_t n = f.size();

  std::vector<lowbit::fp16> h(n);
  std::vector<lowbit::bf16> b(n);
  check_ok(lowbit::try_convert(f.data(), n, h.data()));
  check_ok(lowbit::try_convert(f.data(), n, b.data()));
  std::vector<float> hf(n), bf(n);
  check_ok(lowbit::try_convert(h.data(), n, hf.data()));
  check_ok(lowbit::try_convert(b.data(), n, bf.data()));
  for (std::size_t i = 0; i < n; ++i) {
    CAPTURE(i);
    CHECK(h[i].bits == lowbit::fp16::from_float(f[i]));
    CHECK(b[i].bits == lowbit::bf16(f[i]).bits);
    CHECK(std::bit_cast<std::uint32_t>(hf[i]) == std::bit_cast<std::uint32_t>(static_cast<float>(h[i])));
    CHECK(std::bit_cast<std::uint32_t>(bf[i]) == std::bit_cast<std::uint32_t>(static_cast<float>(b[i])));
  }

  // n == 0: nothing to check, nothing done
  check_ok(lowbit::try_convert(static_cast<const float*>(nullptr), 0, static_cast<lowbit::fp16*>(nullptr)));

  // Refusals, output untouched.
  std::vector<std::byte> raw(n * sizeof(float) + 8, poison);
  auto* out16 = reinterpret_cast<lowbit::fp16*>(raw.data());
  check_refused(lowbit::try_convert(static_cast<const float*>(nullptr), n, out16),
                {"convert (fp32 -> fp16): input pointer is null"});
  CHECK(all_poison(raw));
  check_refused(lowbit::try_convert(f.data(), n, static_cast<lowbit::bf16*>(nullptr)),
                {"convert (fp32 -> bf16): output pointer is null"});
  check_refused(lowbit::try_convert(f.data(), n, reinterpret_cast<lowbit::fp16*>(raw.data() + 1)),
                {"convert (fp32 -> fp16): output pointer is not aligned to 2 bytes"});
  CHECK(all_poison(raw));
  std::vector<std::byte> src(n * sizeof(float) + 8);
  check_refused(lowbit::try_convert(reinterpret_cast<const float*>(src.data() + 2), n, out16),
                {"convert (fp32 -> fp16): input pointer is not aligned to 4 bytes"});
  CHECK(all_poison(raw));
  auto* out32 = reinterpret_cast<float*>(raw.data());
  check_refused(lowbit::try_convert(reinterpret_cast<const lowbit::bf16*>(src.data() + 1), n, out32),
                {"convert (bf16 -> fp32): input pointer is not aligned to 2 bytes"});
  check_refused(lowbit::try_convert(h.data(), n, reinterpret_cast<float*>(raw.data() + 2)),
                {"convert (fp16 -> fp32): output pointer is not aligned to 4 bytes"});
  check_refused(lowbit::try_convert(static_cast<const lowbit::fp16*>(nullptr), n, out32),
                {"convert (fp16 -> fp32): input pointer is null"});
  CHECK(all_poison(raw));
}

// ---------------------------------------------------------------- layout, views, matrices

TEST_CASE_TEMPLATE("no exceptions: matrix_layout::try_make and validate", S, sym4, asym3) {
  lowbit::matrix_layout<S> l;
  check_ok(lowbit::matrix_layout<S>::validate(rows, cols));
  check_ok(lowbit::matrix_layout<S>::try_make(rows, cols, l));
  const std::size_t groups = (cols + S::group_size - 1) / S::group_size;
  CHECK(l.rows() == rows);
  CHECK(l.cols() == cols);
  CHECK(l.elements() == rows * cols);
  CHECK(l.groups_per_row() == groups);
  CHECK(l.params_count() == rows * groups);
  CHECK(l.zero_points_count() == (S::has_zero_point ? rows * groups : 0));
  CHECK(l.total_bytes() >= l.zero_points_offset() + l.zero_point_bytes());

  // Sizes that overflow: refused, `out` untouched.
  const auto too_large = [](std::size_t r, std::size_t c) {
    return "a " + std::to_string(r) + "x" + std::to_string(c) + " matrix is too large";
  };
  const std::size_t big_rows[] = {huge, std::size_t{1} << 40, 1};
  const std::size_t big_cols[] = {huge, std::size_t{1} << 30, std::numeric_limits<std::size_t>::max() / 4 + 1};
  for (std::size_t k = 0; k < 3; ++k) {
    const std::size_t r = big_rows[k], c = big_cols[k];
    CAPTURE(r);
    CAPTURE(c);
    check_refused(lowbit::matrix_layout<S>::validate(r, c), {too_large(r, c)});
    check_refused(lowbit::matrix_layout<S>::try_make(r, c, l), {too_large(r, c)});
    CHECK(l.rows() == rows);
    CHECK(l.cols() == cols);
  }
  // Empty shapes are fine.
  check_ok(lowbit::matrix_layout<S>::try_make(0, huge, l));
  CHECK(l.empty());
  CHECK(l.total_bytes() == 0);
}

TEST_CASE("no exceptions: quantized_view::try_make") {
  lowbit::matrix_layout<asym3> l;
  check_ok(lowbit::matrix_layout<asym3>::try_make(rows, cols, l));
  std::vector<std::uint16_t> codes(l.code_words());
  std::vector<float> scales(l.params_count());
  std::vector<std::uint8_t> zero_points(l.zero_points_count());
  lowbit::quantized_view<asym3> v;
  check_ok(lowbit::quantized_view<asym3>::try_make(rows, cols, codes.data(), scales.data(), zero_points.data(), v));
  CHECK(v.rows() == rows);
  CHECK(v.cols() == cols);
  CHECK(v.codes() == codes.data());
  CHECK(v.scales() == scales.data());
  CHECK(v.zero_points() == zero_points.data());

  // Refusals leave `v` as it was.
  const auto unchanged = [&] {
    CHECK(v.rows() == rows);
    CHECK(v.codes() == codes.data());
    CHECK(v.scales() == scales.data());
    CHECK(v.zero_points() == zero_points.data());
  };
  check_refused(lowbit::quantized_view<asym3>::try_make(rows, cols, nullptr, scales.data(), zero_points.data(), v),
                {"codes pointer is null but " + std::to_string(l.code_words()) + " elements are required"});
  unchanged();
  auto* odd_codes = reinterpret_cast<std::uint16_t*>(reinterpret_cast<std::byte*>(codes.data()) + 1);
  check_refused(lowbit::quantized_view<asym3>::try_make(rows, cols, odd_codes, scales.data(), zero_points.data(), v),
                {"codes pointer is not aligned to 2 bytes"});
  unchanged();
  check_refused(lowbit::quantized_view<asym3>::try_make(rows, cols, codes.data(), nullptr, zero_points.data(), v),
                {"scales pointer is null but " + std::to_string(l.params_count()) + " elements are required"});
  unchanged();
  auto* odd_scales = reinterpret_cast<float*>(reinterpret_cast<std::byte*>(scales.data()) + 2);
  check_refused(lowbit::quantized_view<asym3>::try_make(rows, cols, codes.data(), odd_scales, zero_points.data(), v),
                {"scales pointer is not aligned to 4 bytes"});
  unchanged();
  check_refused(lowbit::quantized_view<asym3>::try_make(rows, cols, codes.data(), scales.data(), nullptr, v),
                {"zero points pointer is null"});
  unchanged();
  check_refused(lowbit::quantized_view<asym3>::try_make(huge, huge, codes.data(), scales.data(), zero_points.data(), v),
                {"matrix is too large"});
  unchanged();

  // Symmetric: no zero-point argument; fp16 scales need 2-byte alignment.
  lowbit::matrix_layout<sym4> ls;
  check_ok(lowbit::matrix_layout<sym4>::try_make(rows, cols, ls));
  std::vector<std::uint8_t> scodes(ls.code_words());
  std::vector<lowbit::fp16> sscales(ls.params_count());
  lowbit::const_quantized_view<sym4> cv;
  check_ok(lowbit::const_quantized_view<sym4>::try_make(rows, cols, scodes.data(), sscales.data(), cv));
  CHECK(cv.codes() == scodes.data());
  CHECK(cv.scales() == sscales.data());
  const auto* odd16 = reinterpret_cast<const lowbit::fp16*>(reinterpret_cast<const std::byte*>(sscales.data()) + 1);
  check_refused(lowbit::const_quantized_view<sym4>::try_make(rows, cols, scodes.data(), odd16, cv),
                {"scales pointer is not aligned to 2 bytes"});
  CHECK(cv.scales() == sscales.data());
  // Empty: null arrays are fine.
  check_ok(lowbit::const_quantized_view<sym4>::try_make(0, 0, nullptr, nullptr, cv));
  CHECK(cv.empty());
}

TEST_CASE_TEMPLATE("no exceptions: quantized_view::try_from_blob", S, sym4, asym3) {
  lowbit::matrix_layout<S> l;
  check_ok(lowbit::matrix_layout<S>::try_make(rows, cols, l));
  alignas(64) static std::byte blob[8192];
  CHECK(l.total_bytes() + 64 <= sizeof blob);
  if (l.total_bytes() + 64 > sizeof blob) return;  // (no REQUIRE without exceptions)
  lowbit::quantized_view<S> v;
  check_ok(lowbit::quantized_view<S>::try_from_blob(rows, cols, blob, l.total_bytes(), v));
  CHECK(static_cast<void*>(v.codes()) == blob);
  CHECK(static_cast<void*>(v.scales()) == blob + l.scales_offset());
  if constexpr (S::has_zero_point) CHECK(static_cast<void*>(v.zero_points()) == blob + l.zero_points_offset());
  lowbit::const_quantized_view<S> cv;
  check_ok(lowbit::const_quantized_view<S>::try_from_blob(rows, cols, static_cast<const void*>(blob), 8192, cv));
  CHECK(static_cast<const void*>(cv.codes()) == blob);

  // Refusals leave `v` as it was.
  const auto unchanged = [&] {
    CHECK(v.rows() == rows);
    CHECK(static_cast<void*>(v.codes()) == blob);
  };
  check_refused(lowbit::quantized_view<S>::try_from_blob(rows, cols, blob, l.total_bytes() - 1, v),
                {"blob of " + std::to_string(l.total_bytes() - 1) + " bytes is smaller than the " +
                 std::to_string(l.total_bytes()) + " bytes the layout needs"});
  unchanged();
  check_refused(lowbit::quantized_view<S>::try_from_blob(rows, cols, nullptr, l.total_bytes(), v),
                {"blob pointer is null"});
  unchanged();
  // a blob off by 1 byte: the codes (uint16_t words) or the scales (fp16) are misaligned
  check_refused(lowbit::quantized_view<S>::try_from_blob(rows, cols, blob + 1, l.total_bytes(), v),
                {"pointer is not aligned to 2 bytes"});
  unchanged();
  check_refused(lowbit::quantized_view<S>::try_from_blob(huge, huge, blob, sizeof blob, v), {"matrix is too large"});
  unchanged();
  // An empty matrix needs no blob.
  check_ok(lowbit::quantized_view<S>::try_from_blob(0, cols, nullptr, 0, v));
  CHECK(v.empty());
}

TEST_CASE_TEMPLATE("no exceptions: view.try_rows", S, sym4, asym3) {
  lowbit::quantized_matrix<S> q;
  check_ok(lowbit::quantized_matrix<S>::try_make(rows, cols, q));
  const lowbit::quantized_view<S> v = q.view();
  const std::size_t words = v.layout().row_words(), groups = v.layout().groups_per_row();
  lowbit::quantized_view<S> sub;
  check_ok(v.try_rows(1, 3, sub));
  CHECK(sub.rows() == 2);
  CHECK(sub.cols() == cols);
  CHECK(sub.codes() == v.codes() + 1 * words);
  CHECK(sub.scales() == v.scales() + 1 * groups);
  if constexpr (S::has_zero_point) CHECK(sub.zero_points() == v.zero_points() + 1 * groups);
  lowbit::quantized_view<S> whole, none;
  check_ok(v.try_rows(0, rows, whole));
  CHECK(whole.codes() == v.codes());
  CHECK(whole.rows() == rows);
  check_ok(v.try_rows(rows, rows, none));
  CHECK(none.empty());

  // Refusals leave `sub` as it was.
  check_refused(v.try_rows(2, 6, sub), {"row range [2, 6) is outside the 5 rows of the matrix"});
  CHECK(sub.rows() == 2);
  CHECK(sub.codes() == v.codes() + 1 * words);
  check_refused(v.try_rows(3, 2, sub), {"row range [3, 2) is outside the 5 rows"});
  check_refused(v.try_rows(6, 6, sub), {"row range [6, 6) is outside"});
  CHECK(sub.rows() == 2);
  // the const view and a sub-view of a sub-view
  const lowbit::const_quantized_view<S> cv = v;
  lowbit::const_quantized_view<S> csub;
  check_ok(cv.try_rows(4, 5, csub));
  CHECK(csub.codes() == v.codes() + 4 * words);
  check_refused(cv.try_rows(0, 7, csub), {"row range [0, 7) is outside the 5 rows"});
  lowbit::quantized_view<S> subsub;
  check_ok(sub.try_rows(1, 2, subsub));
  CHECK(subsub.codes() == v.codes() + 2 * words);
  check_refused(sub.try_rows(1, 3, subsub), {"row range [1, 3) is outside the 2 rows"});
}

TEST_CASE_TEMPLATE("no exceptions: quantized_matrix::try_make", S, sym4, asym3) {
  lowbit::quantized_matrix<S> q;
  check_ok(lowbit::quantized_matrix<S>::try_make(rows, cols, q));
  CHECK(q.rows() == rows);
  CHECK(q.cols() == cols);
  CHECK(q.codes().size() == q.layout().code_words());
  CHECK(q.scales().size() == q.layout().params_count());
  if constexpr (S::has_zero_point) CHECK(q.zero_points().size() == q.layout().params_count());
  check_refused(lowbit::quantized_matrix<S>::try_make(huge, huge, q), {"matrix is too large"});
  CHECK(q.rows() == rows);
  CHECK(q.codes().size() == q.layout().code_words());
  check_refused(lowbit::quantized_matrix<S>::try_make(std::size_t{1} << 40, std::size_t{1} << 30, q),
                {"matrix is too large"});
  CHECK(q.cols() == cols);
  check_ok(lowbit::quantized_matrix<S>::try_make(0, 0, q));
  CHECK(q.empty());
}

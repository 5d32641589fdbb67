// tests/odr: one translation unit of the two-TU (here three-TU) ODR test.
//
// Compiled once per ISA level (no -m flags, -march=x86-64-v3, -march=x86-64-v4)
// into separate objects that are linked into one binary. ODR_ENTRY names the
// one extern "C" function each object exports (run_odr_sse2, ...). It runs a
// realistic spread of lowbit (quantize / dequantize of several schemes, owning
// and through views, the reference oracle, pack / unpack, convert, group
// parameters, refused input) and returns a checksum per section: lowbit's
// kernels are bit-identical to the scalar reference on every ISA, so every
// level must return the same checksums. It also returns the addresses of some
// lowbit function instances, which must differ between levels.
//
// ODR_SUBSET (the objects of odr.objects_detects_sharing, never run) compiles
// two of the schemes only.
//
// Nothing here runs before ODR_ENTRY is called (no static initializers), so
// main.cpp can skip the levels the CPU lacks. Helpers have internal linkage:
// the only symbols two objects can share are the library's (and std's, xsimd's).
#include <lowbit/lowbit.hpp>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "odr_api.hpp"

#ifndef ODR_ENTRY
#error "compile with -DODR_ENTRY=run_odr_<level>"
#endif

#define ODR_STR_(x) #x
#define ODR_STR(x) ODR_STR_(x)

namespace {

using lowbit::asymmetric;
using lowbit::bf16;
using lowbit::bits;
using lowbit::code_word;
using lowbit::fp16;
using lowbit::per_channel;
using lowbit::per_group;
using lowbit::per_tensor;
using lowbit::scale;
using lowbit::scheme;
using lowbit::stochastic_rounding;
using lowbit::symmetric;
using lowbit::zero_point;

// The schemes: both modes, integer and float zero points, every granularity,
// every code word, every scale type, both roundings, widths 1-6 and 8 (7 in the packing).
using S_sym4_g32_fp16 = scheme<bits<4>, symmetric, per_group<32>, scale<fp16>>;
using S_asym4_g32_fp16_u8 = scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>, zero_point<std::uint8_t>>;
using S_sym8_channel = scheme<>;
using S_asym3_channel_bf16_offset_w32 =
    scheme<asymmetric, bits<3>, per_channel, scale<bf16>, zero_point<bf16>, code_word<std::uint32_t>>;
using S_sym2_g32_stochastic_w16 = scheme<bits<2>, per_group<32>, stochastic_rounding, code_word<std::uint16_t>>;
using S_asym5_tensor_offset_w64 = scheme<asymmetric, bits<5>, per_tensor, zero_point<float>, code_word<std::uint64_t>>;
using S_sym1_g32_bf16 = scheme<bits<1>, per_group<32>, scale<bf16>>;
using S_asym6_g32_stochastic_fp16_offset =
    scheme<stochastic_rounding, asymmetric, bits<6>, per_group<32>, scale<fp16>, zero_point<fp16>>;

/// FNV-1a over the bytes of the values added.
struct hasher {
  std::uint64_t h = 0xcbf29ce484222325ull;
  std::uint64_t n = 0;

  void bytes(const void* p, std::size_t size) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < size; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  }
  template <class T>
  void value(const T& v) {
    static_assert(std::has_unique_object_representations_v<T> || std::is_floating_point_v<T>);  // no padding
    bytes(&v, sizeof(T));
    ++n;
  }
  template <class T>
  void values(const T* p, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) value(p[i]);
  }
  template <class T>
  void values(const std::vector<T>& v) {
    values(v.data(), v.size());
  }
  void text(const std::string& s) {
    bytes(s.data(), s.size());
    ++n;
  }
};

struct context {
  hasher section[odr_section_count];
  std::uint64_t mismatches = 0;

  hasher& operator[](odr_section s) { return section[s]; }
  template <class T>
  void expect_equal(const T* a, const T* b, std::size_t count) {
    if (count != 0 && std::memcmp(a, b, count * sizeof(T)) != 0) ++mismatches;
  }
  template <class T>
  void expect_equal(const std::vector<T>& a, const std::vector<T>& b) {
    if (a.size() != b.size())
      ++mismatches;
    else
      expect_equal(a.data(), b.data(), a.size());
  }
};

/// Deterministic integers, the same on every ISA.
struct lcg {
  std::uint32_t state;
  std::uint32_t next() {
    state = state * 1664525u + 1013904223u;
    return state;
  }
};

/// A weights-like matrix, computed with exact operations only (an integer below
/// 2^24 converted to float, times a power of two), so no flag changes a bit:
/// rows of different magnitudes, outliers, a group of zeros, a constant group.
std::vector<float> weights(std::size_t rows, std::size_t cols, std::uint32_t seed) {
  std::vector<float> w(rows * cols);
  lcg g{seed};
  for (std::size_t r = 0; r < rows; ++r) {
    const float row_scale = std::ldexp(1.0f, static_cast<int>(r % 5) - 8);
    for (std::size_t c = 0; c < cols; ++c) {
      const auto i = static_cast<std::int32_t>(g.next() >> 8) - (1 << 23);
      float v = static_cast<float>(i) * row_scale * 0x1p-23f;
      if (c % 97 == 13) v *= 16.0f;                 // outliers
      if (r == 2 && c < 64) v = 0.0f;               // a group of zeros (per_group<32>: two groups)
      if (r == 3 && c >= 64 && c < 96) v = 0.375f;  // a constant group
      w[r * cols + c] = v;
    }
  }
  return w;
}

template <class S>
void hash_matrix(hasher& h, const lowbit::quantized_matrix<S>& q) {
  h.values(q.codes());
  h.values(q.scales());
  if constexpr (S::has_zero_point) h.values(q.zero_points());
}

template <class S>
void expect_same_matrix(context& ctx, const lowbit::quantized_matrix<S>& a, const lowbit::quantized_matrix<S>& b) {
  ctx.expect_equal(a.codes(), b.codes());
  ctx.expect_equal(a.scales(), b.scales());
  if constexpr (S::has_zero_point) ctx.expect_equal(a.zero_points(), b.zero_points());
}

template <class S>
void run_scheme(context& ctx, const std::vector<float>& w, std::size_t rows, std::size_t cols) {
  const lowbit::quantize_options options{.seed = 0x5eed0000u + static_cast<std::uint64_t>(S::bits)};

  // Owning: the SIMD kernels of this TU's ISA, and the reference.
  const lowbit::quantized_matrix<S> q = lowbit::quantize<S>(w.data(), rows, cols, options);
  hash_matrix(ctx[odr_quantize], q);
  std::vector<float> out(rows * cols);
  lowbit::dequantize(q, out.data());
  ctx[odr_dequantize].values(out);

  const lowbit::quantized_matrix<S> rq = lowbit::reference::quantize<S>(w.data(), rows, cols, options);
  std::vector<float> rout(rows * cols);
  lowbit::reference::dequantize<S>(rq, rout.data());
  hash_matrix(ctx[odr_reference], rq);
  ctx[odr_reference].values(rout);
  expect_same_matrix(ctx, q, rq);
  ctx.expect_equal(out, rout);

  // Non-owning: one blob in the layout of matrix_layout, then separate arrays
  // through the error-code forms, then a range of rows.
  const lowbit::matrix_layout<S> layout(rows, cols);
  std::vector<std::uint64_t> blob((layout.total_bytes() + 7) / 8);
  lowbit::quantize<S>(w.data(), rows, cols,
                      lowbit::quantized_view<S>::from_blob(rows, cols, blob.data(), blob.size() * 8), options);
  const auto view = lowbit::const_quantized_view<S>::from_blob(rows, cols, blob.data(), blob.size() * 8);
  ctx.expect_equal(view.codes(), q.codes().data(), layout.code_words());
  ctx.expect_equal(view.scales(), q.scales().data(), layout.params_count());
  if constexpr (S::has_zero_point) ctx.expect_equal(view.zero_points(), q.zero_points().data(), layout.params_count());
  std::vector<float> vout(rows * cols);
  lowbit::dequantize(view, vout.data());
  ctx.expect_equal(vout, out);

  std::vector<typename S::word_type> codes(layout.code_words());
  std::vector<typename S::scale_type> scales(layout.params_count());
  std::vector<lowbit::zero_point_storage_t<S>> zero_points(layout.zero_points_count());
  lowbit::quantized_view<S> arrays;
  lowbit::status st;
  if constexpr (S::has_zero_point)
    st = lowbit::quantized_view<S>::try_make(rows, cols, codes.data(), scales.data(), zero_points.data(), arrays);
  else
    st = lowbit::quantized_view<S>::try_make(rows, cols, codes.data(), scales.data(), arrays);
  if (st.ok()) st = lowbit::try_quantize<S>(w.data(), rows, cols, arrays, options);
  ctx[odr_views].text(st.message());
  ctx[odr_views].values(codes);
  ctx[odr_views].values(scales);
  ctx[odr_views].values(zero_points);
  ctx[odr_views].value(layout.total_bytes());
  ctx[odr_views].value(layout.bits_per_weight());
  ctx.expect_equal(codes, q.codes());

  const std::size_t r0 = 2, r1 = rows - 1;
  if constexpr (S::granularity != lowbit::granularity_kind::tensor) {
    // Rows [r0, r1) on their own, as a threaded engine quantizes them.
    lowbit::quantize<S>(w.data() + r0 * cols, r1 - r0, cols, arrays.rows(r0, r1),
                        lowbit::quantize_options{.seed = options.seed, .row_offset = r0});
    ctx.expect_equal(codes, q.codes());
  }
  std::vector<float> part((r1 - r0) * cols);
  st = lowbit::try_dequantize(view.rows(r0, r1), part.data());
  ctx[odr_views].text(st.message());
  ctx.expect_equal(part.data(), out.data() + r0 * cols, part.size());
}

template <int Bits, class Word>
void run_pack(context& ctx, std::size_t n, std::uint32_t seed) {
  std::vector<std::uint8_t> codes(n);
  lcg g{seed};
  for (auto& c : codes) c = static_cast<std::uint8_t>(g.next() >> (32 - Bits));
  std::vector<Word> words(lowbit::packed_layout<Bits, Word>::row_words(n));
  lowbit::pack_row<Bits, Word>(codes.data(), n, words.data());
  ctx[odr_pack].values(words);
  std::vector<Word> rwords(words.size());
  lowbit::reference::pack_row<Bits, Word>(codes.data(), n, rwords.data());
  ctx.expect_equal(words, rwords);

  std::vector<std::uint8_t> back(n);
  lowbit::unpack_row<Bits, Word>(words.data(), n, back.data());
  ctx.expect_equal(back, codes);
  std::vector<std::int8_t> levels(n), rlevels(n);
  lowbit::unpack_row_int8<Bits, Word>(words.data(), n, levels.data());
  lowbit::reference::unpack_row_int8<Bits, Word>(words.data(), n, rlevels.data());
  ctx[odr_pack].values(levels);
  ctx.expect_equal(levels, rlevels);
}

void run_convert(context& ctx) {
  constexpr std::size_t n = 1000;  // not a multiple of any vector width
  std::vector<float> f(n);
  lcg g{12345u};
  for (auto& v : f) v = std::bit_cast<float>(g.next());  // every class: NaN, Inf, subnormal, ...
  const float special[] = {0.0f,
                           -0.0f,
                           65504.0f,
                           65520.0f,
                           65519.996f,
                           0x1p-24f,
                           0x1p-25f,
                           0x1.8p-25f,
                           std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::denorm_min(),
                           1.0f + 0x1p-11f,
                           1.0f + 0x1p-8f};
  std::memcpy(f.data(), special, sizeof(special));

  std::vector<fp16> h(n);
  std::vector<bf16> b(n);
  lowbit::convert(f.data(), n, h.data());
  lowbit::convert(f.data(), n, b.data());
  ctx[odr_convert].values(h);
  ctx[odr_convert].values(b);
  for (std::size_t i = 0; i < n; ++i) {
    if (h[i].bits != fp16(f[i]).bits) ++ctx.mismatches;
    if (b[i].bits != bf16(f[i]).bits) ++ctx.mismatches;
  }

  std::vector<fp16> hin(n);
  std::vector<bf16> bin(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t r = g.next();
    hin[i] = fp16::from_bits(static_cast<std::uint16_t>(r));
    bin[i] = bf16::from_bits(static_cast<std::uint16_t>(r >> 16));
  }
  std::vector<float> fh(n), fb(n);
  lowbit::convert(hin.data(), n, fh.data());
  lowbit::convert(bin.data(), n, fb.data());
  ctx[odr_convert].values(fh);
  ctx[odr_convert].values(fb);
  for (std::size_t i = 0; i < n; ++i) {
    if (std::bit_cast<std::uint32_t>(fh[i]) != std::bit_cast<std::uint32_t>(static_cast<float>(hin[i])))
      ++ctx.mismatches;
    if (std::bit_cast<std::uint32_t>(fb[i]) != std::bit_cast<std::uint32_t>(static_cast<float>(bin[i])))
      ++ctx.mismatches;
  }
}

template <class S>
void hash_params(hasher& h, const lowbit::group_params<S>& p) {
  h.value(p.scale);
  h.value(p.zero_point);
  for (float v : {p.divisor, p.offset, p.center, p.step, p.code_lo, p.code_hi}) h.value(v);
}

template <class S>
void run_group_params(context& ctx) {
  const float ranges[][2] = {{-1.0f, 1.0f}, {0.0f, 0.0f},     {-3.5f, 0.25f},  {0.5f, 7.0f},
                             {-0.0f, 0.0f}, {1e-30f, 2e-30f}, {-1e-8f, 3e-9f}, {-65504.0f, 65504.0f},
                             {-1e6f, 1e6f}, {-3e38f, 3e38f},  {0.1f, 0.1f},    {-7.0f, -0.5f}};
  std::size_t row = 0;
  for (const auto& r : ranges) {
    try {
      const lowbit::group_params<S> p = lowbit::compute_group_params<S>(r[0], r[1], row, 1);
      hash_params(ctx[odr_group_params], p);
      const lowbit::group_params<S> l = lowbit::load_group_params<S>(p.scale, p.zero_point);
      hash_params(ctx[odr_group_params], l);
      ctx.expect_equal(&l.step, &p.step, 1);
      ctx.expect_equal(&l.center, &p.center, 1);
    } catch (const lowbit::error& e) {  // a scale or offset the storage type cannot hold
      ctx[odr_errors].text(e.what());
    }
    ++row;
  }
}

/// Refused input: the message (and that nothing is written) is the same everywhere.
template <class S>
void run_errors(context& ctx) {
  const std::size_t rows = 3, cols = 70;
  std::vector<float> w = weights(rows, cols, 7u);
  w[1 * cols + 33] = std::numeric_limits<float>::quiet_NaN();
  lowbit::quantized_matrix<S> q(rows, cols);
  const std::vector<typename S::word_type> before = q.codes();
  try {
    lowbit::quantize<S>(w.data(), rows, cols, q.view());
    ctx[odr_errors].text("no error for NaN");
  } catch (const lowbit::error& e) {
    ctx[odr_errors].text(e.what());
  }
  ctx.expect_equal(q.codes(), before);
  ctx[odr_errors].text(lowbit::try_quantize<S>(w.data(), rows, cols, q).message());
  ctx.expect_equal(q.codes(), before);
  try {
    (void)lowbit::reference::quantize<S>(w.data(), rows, cols);
    ctx[odr_errors].text("no error for NaN (reference)");
  } catch (const lowbit::error& e) {
    ctx[odr_errors].text(e.what());
  }
  try {
    std::uint64_t small[4] = {};
    (void)lowbit::quantized_view<S>::from_blob(rows, cols, small, sizeof(small));
    ctx[odr_errors].text("no error for a small blob");
  } catch (const lowbit::error& e) {
    ctx[odr_errors].text(e.what());
  }
  try {
    lowbit::quantized_matrix<S> other(rows + 1, cols);
    lowbit::quantize<S>(w.data(), rows, cols, other.view());
    ctx[odr_errors].text("no error for a shape mismatch");
  } catch (const lowbit::error& e) {
    ctx[odr_errors].text(e.what());
  }
}

template <class F>
const void* address(F* f) {
  return reinterpret_cast<const void*>(f);
}

}  // namespace

extern "C" void ODR_ENTRY(odr_result* result) {
  context ctx;
  const std::size_t rows = 7, cols = 1100;  // crosses a 512-code block; a short last group
  const std::vector<float> w = weights(rows, cols, 2024u);
  run_scheme<S_sym4_g32_fp16>(ctx, w, rows, cols);
  run_scheme<S_asym3_channel_bf16_offset_w32>(ctx, w, rows, cols);
#if !defined(ODR_SUBSET)  // the objects of the negative test need less
  run_scheme<S_asym4_g32_fp16_u8>(ctx, w, rows, cols);
  run_scheme<S_sym8_channel>(ctx, w, rows, cols);
  run_scheme<S_sym2_g32_stochastic_w16>(ctx, w, rows, cols);
  run_scheme<S_asym5_tensor_offset_w64>(ctx, w, rows, cols);
  run_scheme<S_sym1_g32_bf16>(ctx, w, rows, cols);
  run_scheme<S_asym6_g32_stochastic_fp16_offset>(ctx, w, rows, cols);
#endif

  for (std::size_t n : {std::size_t{1000}, std::size_t{37}}) {
    const auto seed = static_cast<std::uint32_t>(n);
    run_pack<1, std::uint8_t>(ctx, n, seed);
    run_pack<2, std::uint64_t>(ctx, n, seed);
    run_pack<3, std::uint32_t>(ctx, n, seed);
    run_pack<4, std::uint8_t>(ctx, n, seed);
    run_pack<5, std::uint16_t>(ctx, n, seed);
    run_pack<7, std::uint64_t>(ctx, n, seed);
    run_pack<8, std::uint8_t>(ctx, n, seed);
  }

  run_convert(ctx);

  run_group_params<S_sym4_g32_fp16>(ctx);
  run_group_params<S_asym4_g32_fp16_u8>(ctx);
  run_group_params<S_asym3_channel_bf16_offset_w32>(ctx);
  run_group_params<S_sym1_g32_bf16>(ctx);
  run_group_params<S_asym6_g32_stochastic_fp16_offset>(ctx);

  run_errors<S_sym4_g32_fp16>(ctx);
  run_errors<S_asym3_channel_bf16_offset_w32>(ctx);

  for (int s = 0; s < odr_section_count; ++s) {
    result->checksum[s] = ctx.section[s].h;
    result->values[s] = ctx.section[s].n;
  }
  result->simd_vs_reference_mismatches = ctx.mismatches;

  using S = S_sym4_g32_fp16;
  using quantize_owning =
      lowbit::quantized_matrix<S>(const float*, std::size_t, std::size_t, const lowbit::quantize_options&);
  using quantize_view =
      void(const float*, std::size_t, std::size_t, lowbit::quantized_view<S>, const lowbit::quantize_options&);
  using dequantize_matrix = void(const lowbit::quantized_matrix<S>&, float*);
  using to_fp16 = void(const float*, std::size_t, fp16*);
  using from_bf16 = void(const bf16*, std::size_t, float*);
  result->entry[odr_fn_dequantize] = address<dequantize_matrix>(&lowbit::dequantize<S>);
  result->entry[odr_fn_quantize_owning] = address<quantize_owning>(&lowbit::quantize<S>);
  result->entry[odr_fn_pack_row] = address(&lowbit::pack_row<4, std::uint8_t>);
  result->entry[odr_fn_unpack_row] = address(&lowbit::unpack_row<3, std::uint32_t>);
  result->entry[odr_fn_unpack_row_int8] = address(&lowbit::unpack_row_int8<4, std::uint8_t>);
  result->entry[odr_fn_convert_to_fp16] = address<to_fp16>(&lowbit::convert);
  result->entry[odr_fn_convert_from_bf16] = address<from_bf16>(&lowbit::convert);
  result->entry[odr_fn_compute_group_params] = address(&lowbit::compute_group_params<S>);
  result->entry[odr_fn_load_group_params] = address(&lowbit::load_group_params<S>);
  result->entry[odr_fn_reference_quantize] = address<quantize_view>(&lowbit::reference::quantize<S>);
  result->entry[odr_fn_reference_dequantize] = address(&lowbit::reference::dequantize<S>);
  result->isa_namespace = ODR_STR(LOWBIT_ISA_NAMESPACE);
}

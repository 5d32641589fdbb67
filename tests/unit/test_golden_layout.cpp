// Golden tests of the packed layout: the worked examples of docs/design.md,
// byte for byte, through the scalar oracle (lowbit::reference::pack_row /
// unpack_row / unpack_row_int8) and through the public SIMD entry points
// (lowbit::pack_row / unpack_row / unpack_row_int8, this binary's ISA).
//
// The examples of the doc are short blocks, which the SIMD entry points send
// through scalar code. So full 512-code blocks (the SIMD register path) are
// pinned too, with expected words that are never computed by the library:
// either written out by hand (the derivation is in a comment next to each) or
// computed by this file from the formula of design.md section 4.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "lowbit/lowbit.hpp"

namespace {

// ---------------------------------------------------------------------------
// The layout as design.md section 4 states it, written independently of
// include/lowbit (no packed_layout, no pack_block):
//
//   "A B-bit code is split into planes whose widths are the binary digits of
//    B, widest plane holding the lowest bits [...] Each row is packed in
//    blocks of n = 512 codes; the last block of a row holds the rest, with n
//    rounded up to a multiple of the word's bit count W (pad codes are 0).
//    Within a block the planes follow one another, widest first. A plane of
//    width w is P = n*w/W words and code i of the block lands in
//        word  i mod P  of the plane,   bits  [s*w, s*w + w)   with  s = i div P."
// ---------------------------------------------------------------------------

constexpr std::size_t doc_block_codes = 512;

/// "widths are the binary digits of B, widest first" (B = 8: one plane of 8).
std::vector<int> doc_plane_widths(int bits) {
  std::vector<int> widths;
  for (int digit : {8, 4, 2, 1})
    if (bits & digit) widths.push_back(digit);
  return widths;
}

template <class Word>
constexpr std::size_t word_bit_count = sizeof(Word) * 8;

/// "n rounded up to a multiple of the word's bit count W".
template <class Word>
std::size_t doc_padded_block_codes(std::size_t real_codes) {
  constexpr std::size_t w_bits = word_bit_count<Word>;
  return (real_codes + w_bits - 1) / w_bits * w_bits;
}

/// Words of a packed row: its blocks one after another, each padded_n * B / W words.
template <class Word>
std::size_t doc_row_words(int bits, std::size_t n) {
  std::size_t words = 0;
  for (std::size_t begin = 0; begin < n; begin += doc_block_codes)
    words += doc_padded_block_codes<Word>(std::min(doc_block_codes, n - begin)) * static_cast<std::size_t>(bits) /
             word_bit_count<Word>;
  return words;
}

/// The packed row, computed from the formula of section 4 quoted above.
template <class Word>
std::vector<Word> doc_formula_pack_row(int bits, const std::vector<std::uint8_t>& codes) {
  std::vector<std::uint64_t> words(doc_row_words<Word>(bits, codes.size()), 0);
  std::size_t block_start_word = 0;
  for (std::size_t begin = 0; begin < codes.size(); begin += doc_block_codes) {
    const std::size_t real = std::min(doc_block_codes, codes.size() - begin);
    const std::size_t n = doc_padded_block_codes<Word>(real);
    std::size_t plane_start_word = block_start_word;
    int code_bit = 0;  // "widest plane holding the lowest bits"
    for (int w : doc_plane_widths(bits)) {
      const std::size_t p = n * static_cast<std::size_t>(w) / word_bit_count<Word>;  // P = n*w/W
      const std::uint64_t field_mask = (std::uint64_t{1} << w) - 1;
      for (std::size_t i = 0; i < real; ++i) {  // pad codes are 0: nothing to OR in
        const std::uint64_t field = (std::uint64_t{codes[begin + i]} >> code_bit) & field_mask;
        const std::size_t s = i / p;
        words[plane_start_word + i % p] |= field << (s * static_cast<std::size_t>(w));
      }
      plane_start_word += p;
      code_bit += w;
    }
    block_start_word += n * static_cast<std::size_t>(bits) / word_bit_count<Word>;
  }
  return std::vector<Word>(words.begin(), words.end());
}

/// The signed level of a code, from design.md section 2: symmetric B >= 2 is
/// x^ = d * (u - 2^(B-1)); symmetric B = 1 is x^ = 2d * (u - 1/2) = d * (2u - 1).
int doc_signed_level(int bits, int u) {
  return bits == 1 ? 2 * u - 1 : u - (1 << (bits - 1));
}

// ---------------------------------------------------------------------------
// Comparison helpers: one CHECK per array, naming the first differing element.
// ---------------------------------------------------------------------------

constexpr std::size_t guard_count = 4;  // elements past the end that must stay untouched

template <class T>
constexpr T guard_value = static_cast<T>(0x5A5A5A5A5A5A5A5Aull);

template <class T>
std::string hex(T v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(static_cast<std::make_unsigned_t<T>>(v)));
  return buf;
}

/// "" if got[0, expected.size()) == expected, else the first difference.
template <class T>
std::string first_difference(const T* got, const std::vector<T>& expected) {
  for (std::size_t i = 0; i < expected.size(); ++i)
    if (got[i] != expected[i])
      return "element " + std::to_string(i) + ": got " + hex(got[i]) + ", expected " + hex(expected[i]);
  return "";
}

/// "" if the guard elements after `count` elements of `buffer` are untouched.
template <class T>
std::string guard_damage(const std::vector<T>& buffer, std::size_t count) {
  for (std::size_t i = count; i < buffer.size(); ++i)
    if (buffer[i] != guard_value<T>) return "guard element " + std::to_string(i - count) + " overwritten";
  return "";
}

/// Packs `codes` with reference::pack_row and with the public lowbit::pack_row
/// and checks both against `expected_words` (plus untouched guard words); then
/// unpacks `expected_words` with reference:: and public unpack_row and
/// unpack_row_int8 and checks the codes and their signed levels.
template <int Bits, class Word>
void check_row_against_golden(const std::vector<std::uint8_t>& codes, const std::vector<Word>& expected_words) {
  const std::size_t n = codes.size();
  CAPTURE(Bits);
  CAPTURE(word_bit_count<Word>);
  CAPTURE(n);
  REQUIRE(expected_words.size() == doc_row_words<Word>(Bits, n));
  CHECK(lowbit::packed_layout<Bits, Word>::row_words(n) == expected_words.size());

  std::vector<Word> packed(expected_words.size() + guard_count, guard_value<Word>);
  lowbit::reference::pack_row<Bits, Word>(codes.data(), n, packed.data());
  CHECK_MESSAGE(first_difference(packed.data(), expected_words) == "", "reference::pack_row");
  CHECK(guard_damage(packed, expected_words.size()) == "");

  std::fill(packed.begin(), packed.end(), guard_value<Word>);
  lowbit::pack_row<Bits, Word>(codes.data(), n, packed.data());
  CHECK_MESSAGE(first_difference(packed.data(), expected_words) == "", "lowbit::pack_row");
  CHECK(guard_damage(packed, expected_words.size()) == "");

  std::vector<std::uint8_t> unpacked(n + guard_count, guard_value<std::uint8_t>);
  lowbit::reference::unpack_row<Bits, Word>(expected_words.data(), n, unpacked.data());
  CHECK_MESSAGE(first_difference(unpacked.data(), codes) == "", "reference::unpack_row");
  CHECK(guard_damage(unpacked, n) == "");

  std::fill(unpacked.begin(), unpacked.end(), guard_value<std::uint8_t>);
  lowbit::unpack_row<Bits, Word>(expected_words.data(), n, unpacked.data());
  CHECK_MESSAGE(first_difference(unpacked.data(), codes) == "", "lowbit::unpack_row");
  CHECK(guard_damage(unpacked, n) == "");

  std::vector<std::int8_t> expected_levels(n);
  for (std::size_t i = 0; i < n; ++i) expected_levels[i] = static_cast<std::int8_t>(doc_signed_level(Bits, codes[i]));
  std::vector<std::int8_t> levels(n + guard_count, guard_value<std::int8_t>);
  lowbit::reference::unpack_row_int8<Bits, Word>(expected_words.data(), n, levels.data());
  CHECK_MESSAGE(first_difference(levels.data(), expected_levels) == "", "reference::unpack_row_int8");
  CHECK(guard_damage(levels, n) == "");

  std::fill(levels.begin(), levels.end(), guard_value<std::int8_t>);
  lowbit::unpack_row_int8<Bits, Word>(expected_words.data(), n, levels.data());
  CHECK_MESSAGE(first_difference(levels.data(), expected_levels) == "", "lowbit::unpack_row_int8");
  CHECK(guard_damage(levels, n) == "");
}

template <class CodeOfIndex>
std::vector<std::uint8_t> codes_from(std::size_t n, CodeOfIndex code_of_index) {
  std::vector<std::uint8_t> codes(n);
  for (std::size_t i = 0; i < n; ++i) codes[i] = static_cast<std::uint8_t>(code_of_index(i));
  return codes;
}

template <class Word, class WordOfIndex>
std::vector<Word> words_from(std::size_t count, WordOfIndex word_of_index) {
  std::vector<Word> words(count);
  for (std::size_t j = 0; j < count; ++j) words[j] = static_cast<Word>(word_of_index(j));
  return words;
}

/// Deterministic pseudo-random B-bit codes (a 64-bit LCG, top bits).
std::vector<std::uint8_t> pseudo_random_codes(int bits, std::size_t n, std::uint64_t seed) {
  std::vector<std::uint8_t> codes(n);
  std::uint64_t state = seed;
  for (auto& c : codes) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    c = static_cast<std::uint8_t>((state >> 56) & ((1u << bits) - 1u));
  }
  return codes;
}

/// The 16 codes and 6 bytes of the worked example of design.md section 4.
const std::vector<std::uint8_t> worked_example_codes = {0, 1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1, 0};
const std::vector<std::uint8_t> worked_example_bytes = {0xf0, 0xa5, 0x5a, 0x0f, 0x3c, 0x3c};

}  // namespace

// design.md section 4, "Bit-plane packing":
//   B=1: 1   B=2: 2   B=3: 2+1   B=4: 4   B=5: 4+1   B=6: 4+2   B=7: 4+2+1   B=8: 8
//   (`plane_width` lists them, `plane_shift` gives the code bit each plane
//   starts at: for B = 7, widths 4, 2, 1 at shifts 0, 4, 6.)
//   [...] with bytes, 512-code planes are 256 (w=4), 128 (w=2) and 64 (w=1) bytes
TEST_CASE("design.md section 4: plane widths and shifts of every width, byte sizes of 512-code planes") {
  using widths = std::vector<int>;
  const auto widths_of = [](auto layout) {
    using L = decltype(layout);
    return widths(L::plane_width.begin(), L::plane_width.begin() + static_cast<std::ptrdiff_t>(L::plane_count));
  };
  const auto shifts_of = [](auto layout) {
    using L = decltype(layout);
    return widths(L::plane_shift.begin(), L::plane_shift.begin() + static_cast<std::ptrdiff_t>(L::plane_count));
  };
  CHECK(widths_of(lowbit::packed_layout<1, std::uint8_t>{}) == widths{1});
  CHECK(widths_of(lowbit::packed_layout<2, std::uint8_t>{}) == widths{2});
  CHECK(widths_of(lowbit::packed_layout<3, std::uint8_t>{}) == widths{2, 1});
  CHECK(widths_of(lowbit::packed_layout<4, std::uint8_t>{}) == widths{4});
  CHECK(widths_of(lowbit::packed_layout<5, std::uint8_t>{}) == widths{4, 1});
  CHECK(widths_of(lowbit::packed_layout<6, std::uint8_t>{}) == widths{4, 2});
  CHECK(widths_of(lowbit::packed_layout<7, std::uint8_t>{}) == widths{4, 2, 1});
  CHECK(widths_of(lowbit::packed_layout<8, std::uint8_t>{}) == widths{8});
  CHECK(shifts_of(lowbit::packed_layout<7, std::uint8_t>{}) == widths{0, 4, 6});
  CHECK(shifts_of(lowbit::packed_layout<3, std::uint8_t>{}) == widths{0, 2});  // section 4 worked example
  CHECK(shifts_of(lowbit::packed_layout<5, std::uint8_t>{}) == widths{0, 4});

  CHECK(lowbit::packed_layout<4, std::uint8_t>::block_codes == 512);
  CHECK(lowbit::packed_layout<4, std::uint8_t>::plane_words(512, 4) == 256);
  CHECK(lowbit::packed_layout<2, std::uint8_t>::plane_words(512, 2) == 128);
  CHECK(lowbit::packed_layout<1, std::uint8_t>::plane_words(512, 1) == 64);
}

// design.md section 4, "Worked example: `bits<3>`, bytes, a short block of 16 codes":
//   Codes `u_0 .. u_15 = 0 1 2 3 4 5 6 7 7 6 5 4 3 2 1 0` [...] takes `16 * 3 / 8 = 6` bytes:
//   byte 0 (plane 0): u12  | u8  | u4  | u0      = 11 11 00 00 = 0xf0
//   byte 1 (plane 0): u13  | u9  | u5  | u1      = 10 10 01 01 = 0xa5
//   byte 2 (plane 0): u14  | u10 | u6  | u2      = 01 01 10 10 = 0x5a
//   byte 3 (plane 0): u15  | u11 | u7  | u3      = 00 00 11 11 = 0x0f
//   byte 4 (plane 1): u14 u12 u10 u8  u6  u4  u2  u0  = 0 0 1 1 1 1 0 0 = 0x3c
//   byte 5 (plane 1): u15 u13 u11 u9  u7  u5  u3  u1  = 0 0 1 1 1 1 0 0 = 0x3c
//   (these are the bytes `reference::pack_row<3>` writes.)
// Signed levels (section 2, symmetric B >= 2: x^ = d * (u - 2^(B-1))): u - 4.
TEST_CASE("design.md section 4 worked example: bits<3>, bytes, 16 codes pack to f0 a5 5a 0f 3c 3c") {
  check_row_against_golden<3, std::uint8_t>(worked_example_codes, worked_example_bytes);

  // The levels written out: u - 4 for u = 0 1 2 3 4 5 6 7 7 6 5 4 3 2 1 0.
  const std::vector<std::int8_t> levels_by_hand = {-4, -3, -2, -1, 0, 1, 2, 3, 3, 2, 1, 0, -1, -2, -3, -4};
  std::vector<std::int8_t> levels(16);
  lowbit::reference::unpack_row_int8<3, std::uint8_t>(worked_example_bytes.data(), 16, levels.data());
  CHECK(levels == levels_by_hand);
  std::fill(levels.begin(), levels.end(), std::int8_t{0});
  lowbit::unpack_row_int8<3, std::uint8_t>(worked_example_bytes.data(), 16, levels.data());
  CHECK(levels == levels_by_hand);
}

// design.md section 4, same example:
//   Decoding code 9: plane 0 gives `(byte 1 >> 2*(9 div 4)) & 3 = (0xa5 >> 4) & 3 = 2`,
//   plane 1 gives `(byte 5 >> (9 div 2)) & 1 = (0x3c >> 4) & 1 = 1`, shifted to bit 2:
//   `u_9 = 2 | 4 = 6`.
TEST_CASE("design.md section 4 worked example: decoding code 9 by hand gives 6, as unpack_row does") {
  const auto& bytes = worked_example_bytes;
  const unsigned plane0_bits = (unsigned{bytes[1]} >> (2 * (9 / 4))) & 3u;
  const unsigned plane1_bit = (unsigned{bytes[5]} >> (9 / 2)) & 1u;
  CHECK(plane0_bits == 2);
  CHECK(plane1_bit == 1);
  CHECK((plane0_bits | plane1_bit << 2) == 6);

  std::uint8_t codes[16] = {};
  lowbit::reference::unpack_row<3, std::uint8_t>(bytes.data(), 16, codes);
  CHECK(codes[9] == 6);
  std::fill(std::begin(codes), std::end(codes), std::uint8_t{0});
  lowbit::unpack_row<3, std::uint8_t>(bytes.data(), 16, codes);
  CHECK(codes[9] == 6);
}

// The worked example as the short last block of a row whose first block is a
// full 512-code block (the SIMD path of lowbit::pack_row): section 4, "Each row
// is packed in blocks of n = 512 codes; the last block of a row holds the rest",
// so the row is 512 * 3 / 8 = 192 bytes of the full block, then the example's
// 6 bytes f0 a5 5a 0f 3c 3c at [192, 198).
TEST_CASE("design.md section 4 worked example: as the short block after a full block, bytes [192, 198)") {
  std::vector<std::uint8_t> codes = pseudo_random_codes(3, 512, 7);
  codes.insert(codes.end(), worked_example_codes.begin(), worked_example_codes.end());
  std::vector<std::uint8_t> expected = doc_formula_pack_row<std::uint8_t>(3, codes);
  REQUIRE(expected.size() == 198);
  CHECK(std::vector<std::uint8_t>(expected.begin() + 192, expected.end()) == worked_example_bytes);
  check_row_against_golden<3, std::uint8_t>(codes, expected);
}

// design.md section 3, "Worked example: `scheme<bits<3>, per_group<32>, scale<fp16>>`, 2 x 600":
//   a row of 600 codes is one full block of 512 codes plus a short block of 88 codes.
//   A full 3-bit block is `512 * 3 / 8 = 192` bytes (a 2-bit plane of 128 bytes, then a
//   1-bit plane of 64). The short block is padded to a multiple of 8 codes (88 already
//   is) and takes `88 * 3 / 8 = 33` bytes (22 + 11). So `row_words(600) = 225` bytes and
//   `code_bytes() = 2 * 225 = 450`.
//   Groups: `ceil(600 / 32) = 19` per row [...] `params_count() = 38` scales, `scale_bytes() = 38 * 2 = 76`.
//   Zero points: none (symmetric), `zero_point_bytes() = 0`.
//   Blob: codes `[0, 450)`, scales at `align_up(450) = 512`, `[512, 588)`;
//   `zero_points_offset() = align_up(588) = 640`; `total_bytes() = 640`.
//   `bits_per_weight() = 8 * (450 + 76) / 1200 = 3.5067`.
//   The asymmetric twin [...] adds 38 zero-point bytes at `[640, 678)`:
//   `total_bytes() = 678`, `bits_per_weight() = 3.76`.
TEST_CASE("design.md section 3 worked example: matrix_layout numbers of a 2 x 600 bits<3> per_group<32> fp16 matrix") {
  using P = lowbit::packed_layout<3, std::uint8_t>;
  CHECK(P::block_words(512) == 192);
  CHECK(P::plane_words(512, 2) == 128);
  CHECK(P::plane_words(512, 1) == 64);
  CHECK(P::padded_codes(88) == 88);
  CHECK(P::block_words(88) == 33);
  CHECK(P::plane_words(88, 2) == 22);
  CHECK(P::plane_words(88, 1) == 11);
  CHECK(P::row_words(600) == 225);

  using symmetric_scheme = lowbit::scheme<lowbit::bits<3>, lowbit::per_group<32>, lowbit::scale<lowbit::fp16>>;
  const lowbit::matrix_layout<symmetric_scheme> sym{2, 600};
  CHECK(sym.row_words() == 225);
  CHECK(sym.code_bytes() == 450);
  CHECK(sym.groups_per_row() == 19);
  CHECK(sym.params_count() == 38);
  CHECK(sym.scale_bytes() == 76);
  CHECK(sym.zero_point_bytes() == 0);
  CHECK(sym.scales_offset() == 512);
  CHECK(sym.zero_points_offset() == 640);
  CHECK(sym.total_bytes() == 640);
  CHECK(sym.bits_per_weight() == 8.0 * (450 + 76) / 1200);
  CHECK(std::round(sym.bits_per_weight() * 1e4) == 35067);  // "3.5067"

  using asymmetric_scheme = lowbit::scheme<lowbit::asymmetric, lowbit::bits<3>, lowbit::per_group<32>,
                                           lowbit::scale<lowbit::fp16>, lowbit::zero_point<std::uint8_t>>;
  const lowbit::matrix_layout<asymmetric_scheme> asym{2, 600};
  CHECK(asym.code_bytes() == 450);
  CHECK(asym.params_count() == 38);
  CHECK(asym.scale_bytes() == 76);
  CHECK(asym.scales_offset() == 512);
  CHECK(asym.zero_point_bytes() == 38);
  CHECK(asym.zero_points_offset() == 640);
  CHECK(asym.total_bytes() == 678);
  CHECK(asym.bits_per_weight() == 8.0 * (450 + 76 + 38) / 1200);
  CHECK(std::round(asym.bits_per_weight() * 100) == 376);  // "3.76"
}

namespace {

struct aligned_64_delete {
  void operator()(std::uint8_t* p) const noexcept { ::operator delete (p, std::align_val_t{64}); }
};

/// Quantizes `x` (2 x 600) into a 64-byte aligned blob with lowbit::quantize
/// (public, SIMD) and with reference::quantize, and checks each blob against
/// the bytes section 3 predicts: row r's codes at [225 r, 225 r + 225) packed
/// as in section 4, every fp16 scale 1.0 (0x3c00, little-endian 00 3c) at
/// [512, 588), and (asymmetric) every zero point `zero_point` at [640, 678).
template <class S>
void check_blob_of_2x600_matrix(const std::vector<float>& x, const std::vector<std::uint8_t>& codes_by_hand,
                                int zero_point) {
  constexpr std::size_t rows = 2, cols = 600;
  const lowbit::matrix_layout<S> layout{rows, cols};
  const std::size_t total = S::has_zero_point ? 678 : 640;
  REQUIRE(layout.total_bytes() == total);

  std::vector<std::uint8_t> expected_codes;  // [0, 450)
  for (std::size_t r = 0; r < rows; ++r) {
    const std::vector<std::uint8_t> row(codes_by_hand.begin() + static_cast<std::ptrdiff_t>(r * cols),
                                        codes_by_hand.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols));
    const std::vector<std::uint8_t> packed = doc_formula_pack_row<std::uint8_t>(3, row);
    REQUIRE(packed.size() == 225);
    expected_codes.insert(expected_codes.end(), packed.begin(), packed.end());
  }
  std::vector<std::uint8_t> expected_scales;  // [512, 588)
  for (int g = 0; g < 38; ++g) expected_scales.insert(expected_scales.end(), {0x00, 0x3c});
  const std::vector<std::uint8_t> expected_zero_points(38, static_cast<std::uint8_t>(zero_point));  // [640, 678)

  for (const bool through_public_api : {true, false}) {
    CAPTURE(through_public_api);
    const std::unique_ptr<std::uint8_t, aligned_64_delete> blob_owner(
        static_cast<std::uint8_t*>(::operator new (total, std::align_val_t{64})));
    std::uint8_t* blob = blob_owner.get();
    std::fill(blob, blob + total, std::uint8_t{0xEE});
    const auto view = lowbit::quantized_view<S>::from_blob(rows, cols, blob, total);
    CHECK(reinterpret_cast<std::uint8_t*>(view.row_codes(0)) - blob == 0);
    CHECK(reinterpret_cast<std::uint8_t*>(view.row_codes(1)) - blob == 225);
    CHECK(reinterpret_cast<std::uint8_t*>(view.scales()) - blob == 512);
    if constexpr (S::has_zero_point) CHECK(reinterpret_cast<std::uint8_t*>(view.zero_points()) - blob == 640);
    if (through_public_api)
      lowbit::quantize<S>(x.data(), rows, cols, view);
    else
      lowbit::reference::quantize<S>(x.data(), rows, cols, view);

    CHECK_MESSAGE(first_difference(blob, expected_codes) == "", "codes [0, 450)");
    CHECK_MESSAGE(first_difference(blob + 512, expected_scales) == "", "fp16 scales [512, 588)");
    if constexpr (S::has_zero_point)
      CHECK_MESSAGE(first_difference(blob + 640, expected_zero_points) == "", "zero points [640, 678)");

    // And the blob decodes back: x^ = d * (u - z) with d = 1 is x exactly.
    std::vector<float> decoded(rows * cols);
    lowbit::dequantize(lowbit::const_quantized_view<S>::from_blob(rows, cols, blob, total), decoded.data());
    CHECK(decoded == x);
  }
}

}  // namespace

// design.md section 3, same worked example, the bytes themselves ("row `r` starts
// at word `r * row_words(cols)`, packed as in section 4"; "scales at
// `scales_offset()`"; "zero points at `zero_points_offset()`"), on a matrix
// whose codes and parameters are known by hand from section 2:
//   symmetric, B = 3: qmax = 3, d = max(|lo|, |hi|) / qmax, u = clamp(rne(x / d) + 4, 1, 7).
//     x = ((3c + 5r) mod 7) - 3 takes every value of -3..3 in any 7 consecutive
//     columns, so every group (32, or 24 for the last) has max |x| = 3: d = 1
//     (fp16 0x3c00, exact) and u = x + 4 = ((3c + 5r) mod 7) + 1.
//   asymmetric, integer zero point: d = (hi' - lo') / 7, z = rne(-lo' / d), u = rne(x / d) + z.
//     x = ((3c + 5r) mod 8) - 3 takes every value of -3..4 in any 8 consecutive
//     columns: lo = -3, hi = 4, d = 7 / 7 = 1, z = 3, u = x + 3 = (3c + 5r) mod 8.
// The first 512 codes of each row go through the SIMD block path of lowbit::quantize.
TEST_CASE("design.md section 3 worked example: the 2 x 600 blob, byte for byte, quantized by hand-known values") {
  constexpr std::size_t rows = 2, cols = 600;
  SUBCASE("symmetric: codes [0, 450), fp16 scales 1.0 at [512, 588)") {
    std::vector<float> x(rows * cols);
    std::vector<std::uint8_t> codes(rows * cols);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) {
        const std::size_t residue = (3 * c + 5 * r) % 7;
        x[r * cols + c] = static_cast<float>(residue) - 3.0f;
        codes[r * cols + c] = static_cast<std::uint8_t>(residue + 1);
      }
    check_blob_of_2x600_matrix<lowbit::scheme<lowbit::bits<3>, lowbit::per_group<32>, lowbit::scale<lowbit::fp16>>>(
        x, codes, 0);
  }
  SUBCASE("asymmetric twin: plus uint8 zero points 3 at [640, 678)") {
    std::vector<float> x(rows * cols);
    std::vector<std::uint8_t> codes(rows * cols);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) {
        const std::size_t residue = (3 * c + 5 * r) % 8;
        x[r * cols + c] = static_cast<float>(residue) - 3.0f;
        codes[r * cols + c] = static_cast<std::uint8_t>(residue);
      }
    check_blob_of_2x600_matrix<lowbit::scheme<lowbit::asymmetric, lowbit::bits<3>, lowbit::per_group<32>,
                                              lowbit::scale<lowbit::fp16>, lowbit::zero_point<std::uint8_t>>>(x, codes,
                                                                                                              3);
  }
}

// ---------------------------------------------------------------------------
// Full 512-code blocks, expected words written out by hand from section 4:
//   "A plane of width w is P = n*w/W words and code i of the block lands in
//    word i mod P of the plane, bits [s*w, s*w + w) with s = i div P."
// Read backwards: word j of a plane holds, in slot s (bits [s*w, s*w + w)),
// the plane's bits of code s*P + j. Each case picks codes u_i = f(i) for which
// that is a short closed form. n = 512 for every case (a multiple of every W).
// ---------------------------------------------------------------------------

// B = 1 (one plane, w = 1), u_i = (i div 64) & 1.
//   bytes:  P = 512/8 = 64.  Byte j (j < 64), bit s: u_{64s + j} = s & 1
//           -> bits 1, 3, 5, 7 set: every byte 0xaa.
//   uint32: P = 512/32 = 16. Word j (j < 16), bit s (s < 32): u_{16s + j} = (s div 4) & 1
//           -> bits 4-7, 12-15, 20-23, 28-31 set: every word 0xf0f0f0f0.
TEST_CASE("full 512-code block by hand: bits<1>, u_i = (i div 64) & 1") {
  const auto codes = codes_from(512, [](std::size_t i) { return static_cast<unsigned>((i / 64) & 1); });
  SUBCASE("bytes: 64 x 0xaa") {
    check_row_against_golden<1, std::uint8_t>(codes, words_from<std::uint8_t>(64, [](std::size_t) { return 0xaa; }));
  }
  SUBCASE("uint32 words: 16 x 0xf0f0f0f0") {
    check_row_against_golden<1, std::uint32_t>(codes,
                                               words_from<std::uint32_t>(16, [](std::size_t) { return 0xf0f0f0f0; }));
  }
}

// B = 3 (planes w = 2 at code bit 0, then w = 1 at code bit 2), u_i = i div 64 (0..7).
//   bytes, plane 0: P = 128, 4 slots. Byte j holds u_{128s + j} = 2s + (j div 64), low 2 bits:
//       j <  64: s = 0..3 -> 0, 2, 0, 2 -> 10 00 10 00 = 0x88  (bytes 0..63)
//       j >= 64: s = 0..3 -> 1, 3, 1, 3 -> 11 01 11 01 = 0xdd  (bytes 64..127)
//   bytes, plane 1: P = 64, 8 slots. Byte j, bit s: bit 2 of u_{64s + j} = s -> set for s >= 4: 0xf0
//       (bytes 128..191)
//   uint32, plane 0: P = 32, 16 slots. Word j holds u_{32s + j} = s div 2, low 2 bits, at bits 2s:
//       s = 0..7 -> 0 0 1 1 2 2 3 3 -> 11 11 10 10 01 01 00 00 = 0xfa50, same for s = 8..15:
//       every word 0xfa50fa50 (words 0..31)
//   uint32, plane 1: P = 16, 32 slots. Word j, bit s: bit 2 of u_{16s + j} = s div 4 -> set for
//       s >= 16: every word 0xffff0000 (words 32..47)
TEST_CASE("full 512-code block by hand: bits<3>, u_i = i div 64") {
  const auto codes = codes_from(512, [](std::size_t i) { return static_cast<unsigned>(i / 64); });
  SUBCASE("bytes: 64 x 0x88, 64 x 0xdd, 64 x 0xf0") {
    check_row_against_golden<3, std::uint8_t>(codes, words_from<std::uint8_t>(192, [](std::size_t j) {
                                                return j < 64 ? 0x88 : j < 128 ? 0xdd : 0xf0;
                                              }));
  }
  SUBCASE("uint32 words: 32 x 0xfa50fa50, 16 x 0xffff0000") {
    check_row_against_golden<3, std::uint32_t>(
        codes, words_from<std::uint32_t>(48, [](std::size_t j) { return j < 32 ? 0xfa50fa50 : 0xffff0000; }));
  }
}

// B = 4 (one plane, w = 4), u_i = i div 32 (0..15).
//   bytes:  P = 256, 2 slots. Byte j: low nibble u_j = j div 32, high nibble u_{256 + j} = 8 + j div 32
//           -> 0x80, 0x91, 0xa2, 0xb3, 0xc4, 0xd5, 0xe6, 0xf7, each for 32 bytes.
//   uint32: P = 64, 8 slots. Word j, nibble s: u_{64s + j} = 2s + (j div 32)
//           -> j < 32: nibbles 14 12 10 8 6 4 2 0 = 0xeca86420; j >= 32: 0xfdb97531.
TEST_CASE("full 512-code block by hand: bits<4>, u_i = i div 32") {
  const auto codes = codes_from(512, [](std::size_t i) { return static_cast<unsigned>(i / 32); });
  SUBCASE("bytes: 0x80 0x91 ... 0xf7, 32 each") {
    constexpr std::array<std::uint8_t, 8> run_bytes = {0x80, 0x91, 0xa2, 0xb3, 0xc4, 0xd5, 0xe6, 0xf7};
    check_row_against_golden<4, std::uint8_t>(
        codes, words_from<std::uint8_t>(256, [&](std::size_t j) { return run_bytes[j / 32]; }));
  }
  SUBCASE("uint32 words: 32 x 0xeca86420, 32 x 0xfdb97531") {
    check_row_against_golden<4, std::uint32_t>(
        codes, words_from<std::uint32_t>(64, [](std::size_t j) { return j < 32 ? 0xeca86420 : 0xfdb97531; }));
  }
}

// B = 5 (planes w = 4 at code bit 0, then w = 1 at code bit 4), u_i = i div 16 (0..31).
//   bytes, plane 0: P = 256, 2 slots. Byte j: low 4 bits of u_j = j div 16 and of
//       u_{256 + j} = 16 + j div 16, both m = j div 16 -> 0x11 * m: 0x00, 0x11, ..., 0xff, 16 each.
//   bytes, plane 1: P = 64, 8 slots. Byte j, bit s: bit 4 of u_{64s + j} = 4s + (j div 16) < 4s + 4
//       -> set for s >= 4: every byte 0xf0 (bytes 256..319).
//   uint32, plane 0: P = 64, 8 slots. Word j, nibble s: low 4 bits of u_{64s + j} = 4s + m, m = j div 16
//       (0..3) -> nibbles (12+m)(8+m)(4+m)(m)(12+m)(8+m)(4+m)(m):
//       0xc840c840, 0xd951d951, 0xea62ea62, 0xfb73fb73, 16 words each.
//   uint32, plane 1: P = 16, 32 slots. Word j, bit s: bit 4 of u_{16s + j} = s -> set for s >= 16:
//       every word 0xffff0000 (words 64..79).
TEST_CASE("full 512-code block by hand: bits<5>, u_i = i div 16") {
  const auto codes = codes_from(512, [](std::size_t i) { return static_cast<unsigned>(i / 16); });
  SUBCASE("bytes: 0x00 0x11 ... 0xff, 16 each, then 64 x 0xf0") {
    check_row_against_golden<5, std::uint8_t>(
        codes, words_from<std::uint8_t>(320, [](std::size_t j) { return j < 256 ? 0x11 * (j / 16) : 0xf0; }));
  }
  SUBCASE("uint32 words: 0xc840c840 0xd951d951 0xea62ea62 0xfb73fb73, 16 each, then 16 x 0xffff0000") {
    constexpr std::array<std::uint32_t, 4> run_words = {0xc840c840, 0xd951d951, 0xea62ea62, 0xfb73fb73};
    check_row_against_golden<5, std::uint32_t>(
        codes, words_from<std::uint32_t>(80, [&](std::size_t j) { return j < 64 ? run_words[j / 16] : 0xffff0000; }));
  }
}

// B = 8 (one plane, w = 8, code bit 0).
//   bytes:  P = 512, 1 slot: byte j is u_j. With u_i = (37 i + 11) mod 256: byte j = (37 j + 11) mod 256.
//   uint32: P = 128, 4 slots. With u_i = i div 2 (0..255), word j, byte s: u_{128s + j} = 64s + (j div 2)
//           -> 0xc0804000 + 0x01010101 * (j div 2): 0xc0804000, 0xc0804000, 0xc1814101, ..., 0xffbf7f3f.
TEST_CASE("full 512-code block by hand: bits<8>") {
  SUBCASE("bytes: u_i = (37 i + 11) mod 256, byte j = u_j") {
    const auto codes = codes_from(512, [](std::size_t i) { return static_cast<unsigned>((37 * i + 11) % 256); });
    check_row_against_golden<8, std::uint8_t>(
        codes, words_from<std::uint8_t>(512, [](std::size_t j) { return (37 * j + 11) % 256; }));
  }
  SUBCASE("uint32 words: u_i = i div 2, word j = 0xc0804000 + 0x01010101 * (j div 2)") {
    const auto codes = codes_from(512, [](std::size_t i) { return static_cast<unsigned>(i / 2); });
    const auto expected =
        words_from<std::uint32_t>(128, [](std::size_t j) { return 0xc0804000 + 0x01010101 * (j / 2); });
    CHECK(expected[0] == 0xc0804000);
    CHECK(expected[127] == 0xffbf7f3f);
    check_row_against_golden<8, std::uint32_t>(codes, expected);
  }
}

// Every width and word type on pseudo-random codes (which catch any slot or
// word permutation the closed forms above might not), expected words computed
// by doc_formula_pack_row from the section 4 formula. Rows of 2 full blocks
// plus a short one of 88 codes: "the last block of a row holds the rest, with
// n rounded up to a multiple of the word's bit count W (pad codes are 0)" and
// "wider words [...] pad the last block to a multiple of 16/32/64 codes".
TEST_CASE_TEMPLATE("section 4 formula: two full 512-code blocks and a short one, every width", Word, std::uint8_t,
                   std::uint16_t, std::uint32_t, std::uint64_t) {
  constexpr std::size_t n = 2 * 512 + 88;
  const auto check_width = [&](auto bits_constant) {
    constexpr int bits = decltype(bits_constant)::value;
    const auto codes = pseudo_random_codes(bits, n, static_cast<std::uint64_t>(1000 + bits));
    check_row_against_golden<bits, Word>(codes, doc_formula_pack_row<Word>(bits, codes));
  };
  check_width(std::integral_constant<int, 1>{});
  check_width(std::integral_constant<int, 2>{});
  check_width(std::integral_constant<int, 3>{});
  check_width(std::integral_constant<int, 4>{});
  check_width(std::integral_constant<int, 5>{});
  check_width(std::integral_constant<int, 6>{});
  check_width(std::integral_constant<int, 7>{});
  check_width(std::integral_constant<int, 8>{});

  // The padded size of the short block, in words (section 4): 88 codes round up to 88 (W = 8),
  // 96 (W = 16), 96 (W = 32), 128 (W = 64); 3-bit: 33, 18, 9, 6 words after the 2 * 192 * 8 / W.
  constexpr std::size_t w_bits = word_bit_count<Word>;
  constexpr std::size_t short_block_words = w_bits == 8 ? 33 : w_bits == 16 ? 18 : w_bits == 32 ? 9 : 6;
  CHECK(lowbit::packed_layout<3, Word>::row_words(n) == 2 * 192 * 8 / w_bits + short_block_words);
}

// design.md section 4:
//   In a full block [...] with AVX-512 (64 codes per register), codes `[64R, 64R + 64)` of the
//   3-bit block are bytes `64R mod 128 ...` of the 2-bit plane shifted right by `2 * (64R div 128)`,
//   and bytes `0 ... 63` of the 1-bit plane shifted right by `R` (and left by 2, its `plane_shift`)
// Checked on the bytes lowbit::pack_row writes for a full block of pseudo-random codes.
TEST_CASE("design.md section 4: a 64-code register of a full 3-bit byte block is one load, shift and mask per plane") {
  const auto codes = pseudo_random_codes(3, 512, 99);
  std::vector<std::uint8_t> packed(192);
  lowbit::pack_row<3, std::uint8_t>(codes.data(), 512, packed.data());
  const std::uint8_t* plane0 = packed.data();        // 128 bytes, w = 2
  const std::uint8_t* plane1 = packed.data() + 128;  // 64 bytes, w = 1
  std::string mismatch;
  for (std::size_t r = 0; r < 8 && mismatch.empty(); ++r)
    for (std::size_t lane = 0; lane < 64; ++lane) {
      const unsigned low = (unsigned{plane0[(64 * r) % 128 + lane]} >> (2 * ((64 * r) / 128))) & 3u;
      const unsigned high = ((unsigned{plane1[lane]} >> r) & 1u) << 2;
      if ((low | high) != codes[64 * r + lane]) {
        mismatch = "register " + std::to_string(r) + ", lane " + std::to_string(lane);
        break;
      }
    }
  CHECK(mismatch == "");
}

// design.md section 2:
//   symmetric, B = 1    d = max(|lo|, |hi|), levels -d and +d   [...]   x^ = 2d * (u - 1/2)
//   symmetric 2-bit is the ternary `{-d, 0, +d}`
// So the int8 levels (x^ / d) are -1, +1 for B = 1 and -1, 0, +1 for codes 1, 2, 3 of B = 2.
// Full blocks, so the public unpack_row_int8 takes its SIMD path.
TEST_CASE("design.md section 2: int8 levels of 1-bit codes are -1/+1, of 2-bit codes 1/2/3 are -1/0/+1") {
  SUBCASE("bits<1>: u = 0 -> -1, u = 1 -> +1") {
    const auto codes = codes_from(512, [](std::size_t i) { return static_cast<unsigned>(i % 3 == 0); });
    std::vector<std::uint8_t> packed(64);
    lowbit::reference::pack_row<1, std::uint8_t>(codes.data(), 512, packed.data());
    std::vector<std::int8_t> expected(512);
    for (std::size_t i = 0; i < 512; ++i) expected[i] = codes[i] ? std::int8_t{1} : std::int8_t{-1};
    std::vector<std::int8_t> levels(512);
    lowbit::reference::unpack_row_int8<1, std::uint8_t>(packed.data(), 512, levels.data());
    CHECK(levels == expected);
    std::fill(levels.begin(), levels.end(), std::int8_t{0});
    lowbit::unpack_row_int8<1, std::uint8_t>(packed.data(), 512, levels.data());
    CHECK(levels == expected);
  }
  SUBCASE("bits<2>: u = 1, 2, 3 -> -1, 0, +1") {
    const auto codes = codes_from(512, [](std::size_t i) { return static_cast<unsigned>(1 + i % 3); });
    std::vector<std::uint8_t> packed(128);
    lowbit::reference::pack_row<2, std::uint8_t>(codes.data(), 512, packed.data());
    std::vector<std::int8_t> expected(512);
    for (std::size_t i = 0; i < 512; ++i) expected[i] = static_cast<std::int8_t>(static_cast<int>(i % 3) - 1);
    std::vector<std::int8_t> levels(512);
    lowbit::reference::unpack_row_int8<2, std::uint8_t>(packed.data(), 512, levels.data());
    CHECK(levels == expected);
    std::fill(levels.begin(), levels.end(), std::int8_t{0});
    lowbit::unpack_row_int8<2, std::uint8_t>(packed.data(), 512, levels.data());
    CHECK(levels == expected);
  }
}

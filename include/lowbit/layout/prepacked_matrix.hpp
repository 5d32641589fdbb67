// lowbit: the prepacked layout of a quantized matrix (what the prepacked
// kernels stream), its non-owning view and its owning matrix.
//
// A rows x cols matrix of scheme S is cut into tiles of tile_rows = 4 rows
// (the last tile padded with zero rows). Tile t (rows 4t .. 4t+3) is one
// contiguous run of tile_bytes() bytes, at t * tile_bytes() from the start:
//
//   offset 0                 scales:      P = 4 * groups values of S::scale_type,
//                                         group-major: scale of group g of tile row i at [4g + i]
//   zero_points_offset()     zero points: asymmetric only, P values of S::zero_point_type, same order
//   codes_offset()           codes:       cells() cells of cell_bytes = 64 * B bytes
//   (codes_offset() is the parameters' end rounded up to 64 bytes; tile_bytes() is a multiple of 64)
//
// groups = ceil(cols / G) for per_group<G> (G a multiple of 16), else 1 (the
// row's scale; per_tensor: each row holds the one scale). Cell c holds the
// columns [128c, 128c + 128) of the 4 rows as one packed block of 512 codes
// (packed_layout<B, uint8_t>: the bit planes of layout/packed_layout.hpp), in
// chunks of 16 columns, column-chunk-major:
//
//   code index in the block  i = 64 j + 16 i_row + kk     (j < 8, i_row < 4, kk < 16)
//   is the code of row 4t + i_row, column 128c + 16j + kk
//
// so a 64-byte register of the block (AVX-512) is the same 16 columns of the
// 4 rows, and one 16-byte load of activations, broadcast, feeds all 4 rows
// (32-byte registers: 2 rows, 16-byte: 1). Columns past cols and rows past
// rows are code 0, scale 0 and zero point 0. The byte layout is the same on
// every ISA; multi-byte values are little-endian.
//
// Worked example: S = 4-bit, per_group<32>, fp16 scales, symmetric; 6 x 200.
//   groups = 7, tiles = 2, cells = 2, cell_bytes = 256
//   scales 4 * 7 * 2 = 56 bytes at 0; codes_offset = 64; tile_bytes = 64 + 512 = 576
//   W[5][150]: tile 1, row 1 of it, cell 1, column 22 = chunk 1, kk 6:
//   block index 64 + 16 + 6 = 86 of the cell at 576 + 64 + 256; its scale: group 4, at 576 + 2 * (16 + 1)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "lowbit/config.hpp"
#include "lowbit/detail/checked_size.hpp"
#include "lowbit/error.hpp"
#include "lowbit/layout/matrix_layout.hpp"
#include "lowbit/layout/packed_layout.hpp"
#include "lowbit/layout/quantized_matrix.hpp"
#include "lowbit/policy/scheme.hpp"

namespace LOWBIT_NS {

/// True for the schemes the prepacked layout holds: every 16-column chunk of a
/// row must lie in one group.
template <Scheme S>
inline constexpr bool prepackable = S::granularity != granularity_kind::group || S::group_size % 16 == 0;

/// Sizes and offsets of the prepacked layout of a rows x cols matrix of S
/// (see the top of this file). Construction validates the dimensions, like
/// matrix_layout ("matrix is too large").
template <Scheme S>
class prepacked_layout {
  static_assert(prepackable<S>,
                "lowbit::prepacked_layout: the prepacked layout needs per_group<G> with G a multiple of 16 "
                "(or per_channel / per_tensor); run this scheme from its quantized_view");
  using zero_storage = zero_point_storage_t<S>;

 public:
  static constexpr std::size_t tile_rows = 4;
  static constexpr std::size_t cell_cols = 128;
  static constexpr std::size_t chunk_cols = 16;
  static constexpr std::size_t cell_codes = tile_rows * cell_cols;  // 512: one packed block
  static constexpr std::size_t cell_bytes = cell_codes * S::bits / 8;
  static constexpr std::size_t alignment = 64;
  using packing = packed_layout<S::bits, std::uint8_t>;
  static_assert(packing::block_codes == cell_codes);

  constexpr prepacked_layout() noexcept = default;
  /// Throws lowbit::error if the sizes of a rows x cols matrix overflow.
  prepacked_layout(std::size_t rows, std::size_t cols) { detail::throw_if_failed(try_make(rows, cols, *this)); }
  static status try_make(std::size_t rows, std::size_t cols, prepacked_layout& out) {
    using detail::checked_size;
    LOWBIT_TRY(matrix_layout<S>::validate(rows, cols));  // the same sizes must fit as for the plain layout
    prepacked_layout l;
    l.rows_ = rows;
    l.cols_ = cols;
    if (rows != 0 && cols != 0) {
      const checked_size tiles = ceil_div(checked_size(rows), tile_rows);
      const checked_size cells = ceil_div(checked_size(cols), cell_cols);
      checked_size groups = 1;
      if constexpr (S::granularity == granularity_kind::group) groups = ceil_div(checked_size(cols), S::group_size);
      const checked_size params = groups * tile_rows;
      const checked_size zero_off = params * sizeof(typename S::scale_type);
      checked_size params_end = zero_off;
      if constexpr (S::has_zero_point) params_end = zero_off + params * sizeof(zero_storage);
      const checked_size codes_off = align_up(params_end, alignment);
      const checked_size tile = codes_off + cells * cell_bytes;
      const checked_size total = tiles * tile;
      if (total.overflow())
        return detail::failure("a ", rows, "x", cols,
                               " matrix is too large: its prepacked bytes do not fit in std::ptrdiff_t");
      l.tiles_ = tiles.value();
      l.cells_ = cells.value();
      l.groups_ = groups.value();
      l.zero_points_offset_ = zero_off.value();
      l.codes_offset_ = codes_off.value();
      l.tile_bytes_ = tile.value();
    }
    out = l;
    return {};
  }

  constexpr std::size_t rows() const noexcept { return rows_; }
  constexpr std::size_t cols() const noexcept { return cols_; }
  constexpr bool empty() const noexcept { return rows_ == 0 || cols_ == 0; }
  constexpr std::size_t tiles() const noexcept { return tiles_; }
  /// Cells per tile: ceil(cols / 128).
  constexpr std::size_t cells() const noexcept { return cells_; }
  /// Parameter groups per row: ceil(cols / G) for per_group, else 1.
  constexpr std::size_t groups() const noexcept { return groups_; }
  /// Columns of a group (per_channel / per_tensor: cols).
  constexpr std::size_t group_length() const noexcept {
    if constexpr (S::granularity == granularity_kind::group)
      return S::group_size;
    else
      return cols_;
  }
  constexpr std::size_t zero_points_offset() const noexcept { return zero_points_offset_; }
  constexpr std::size_t codes_offset() const noexcept { return codes_offset_; }
  constexpr std::size_t tile_bytes() const noexcept { return tile_bytes_; }
  /// What a caller allocates (64-byte aligned) for the whole matrix.
  constexpr std::size_t total_bytes() const noexcept { return tiles_ * tile_bytes_; }

  /// Storage bits per weight, padding included.
  constexpr double bits_per_weight() const noexcept {
    return empty()
               ? 0.0
               : 8.0 * static_cast<double>(total_bytes()) / (static_cast<double>(rows_) * static_cast<double>(cols_));
  }

  friend constexpr bool operator==(const prepacked_layout& a, const prepacked_layout& b) noexcept {
    return a.rows_ == b.rows_ && a.cols_ == b.cols_;
  }

 private:
  std::size_t rows_ = 0, cols_ = 0, tiles_ = 0, cells_ = 0, groups_ = 1;
  std::size_t zero_points_offset_ = 0, codes_offset_ = 0, tile_bytes_ = 0;
};

/// A prepacked matrix in caller-owned memory (one buffer of total_bytes(),
/// 64-byte aligned), laid out as prepacked_layout<S> documents: what an engine
/// stores in its own file or arena. Element access is read-only through the
/// accessors; `Mutable` views can be written by try_prepack.
template <Scheme S, bool Mutable>
class basic_prepacked_view {
  using byte_ptr = std::conditional_t<Mutable, std::byte*, const std::byte*>;
  using zero_storage = zero_point_storage_t<S>;

 public:
  using scheme_type = S;
  using layout_type = prepacked_layout<S>;
  using scale_type = typename S::scale_type;
  using zero_point_type = typename S::zero_point_type;
  static constexpr bool is_mutable = Mutable;

  basic_prepacked_view() = default;

  /// A view over `bytes` bytes at `blob` (at least total_bytes(), 64-byte
  /// aligned). Throws lowbit::error.
  static basic_prepacked_view from_blob(std::size_t rows, std::size_t cols,
                                        std::conditional_t<Mutable, void*, const void*> blob, std::size_t bytes) {
    basic_prepacked_view v;
    detail::throw_if_failed(try_from_blob(rows, cols, blob, bytes, v));
    return v;
  }
  /// The error-code form: `out` is assigned only when ok.
  static status try_from_blob(std::size_t rows, std::size_t cols, std::conditional_t<Mutable, void*, const void*> blob,
                              std::size_t bytes, basic_prepacked_view& out) {
    layout_type l;
    LOWBIT_TRY(layout_type::try_make(rows, cols, l));
    if (bytes < l.total_bytes())
      return detail::failure("prepacked blob of ", bytes, " bytes is smaller than the ", l.total_bytes(),
                             " bytes the layout needs");
    if (!l.empty() && blob == nullptr) return detail::failure("prepacked blob pointer is null");
    if (reinterpret_cast<std::uintptr_t>(blob) % layout_type::alignment != 0)
      return detail::failure("prepacked blob pointer is not aligned to ", layout_type::alignment, " bytes");
    basic_prepacked_view v;
    v.layout_ = l;
    v.data_ = static_cast<byte_ptr>(blob);
    out = v;
    return {};
  }

  /// Mutable -> const conversion.
  template <bool M = Mutable>
  requires(!M) basic_prepacked_view(const basic_prepacked_view<S, true>& v) : layout_(v.layout()), data_(v.data()) {}

  const layout_type& layout() const noexcept { return layout_; }
  std::size_t rows() const noexcept { return layout_.rows(); }
  std::size_t cols() const noexcept { return layout_.cols(); }
  bool empty() const noexcept { return layout_.empty(); }
  byte_ptr data() const noexcept { return data_; }
  std::size_t bytes() const noexcept { return layout_.total_bytes(); }

  /// First byte of tile t, of its zero points, of its codes (cell c at c * cell_bytes).
  byte_ptr tile(std::size_t t) const noexcept { return data_ + t * layout_.tile_bytes(); }
  byte_ptr tile_codes(std::size_t t) const noexcept { return tile(t) + layout_.codes_offset(); }

  /// Stored scale / zero point of group g of row r (unchecked indices).
  scale_type scale(std::size_t r, std::size_t g = 0) const noexcept {
    return load<scale_type>(tile(r / layout_type::tile_rows), param(r, g));
  }
  template <class Z = zero_storage>
  Z zero_point(std::size_t r, std::size_t g = 0) const noexcept requires(S::has_zero_point) {
    return load<Z>(tile(r / layout_type::tile_rows) + layout_.zero_points_offset(), param(r, g));
  }

 private:
  static std::size_t param(std::size_t r, std::size_t g) noexcept {
    return g * layout_type::tile_rows + r % layout_type::tile_rows;
  }
  template <class T>
  static T load(const std::byte* p, std::size_t i) noexcept {
    T v;
    std::memcpy(&v, p + i * sizeof(T), sizeof(T));
    return v;
  }

  layout_type layout_{};
  byte_ptr data_ = nullptr;
};

template <Scheme S>
using prepacked_view = basic_prepacked_view<S, true>;
template <Scheme S>
using const_prepacked_view = basic_prepacked_view<S, false>;

/// An owning prepacked matrix: one 64-byte aligned buffer of total_bytes().
/// Made by lowbit::prepack (prepack.hpp).
template <Scheme S>
class prepacked_matrix {
  struct alignas(64) line {
    std::byte b[64];
  };

 public:
  using scheme_type = S;
  using layout_type = prepacked_layout<S>;

  prepacked_matrix() = default;
  /// Storage for rows x cols, zero-filled. Throws lowbit::error if the sizes overflow.
  prepacked_matrix(std::size_t rows, std::size_t cols) : prepacked_matrix(layout_type(rows, cols)) {}
  static status try_make(std::size_t rows, std::size_t cols, prepacked_matrix& out) {
    layout_type l;
    LOWBIT_TRY(layout_type::try_make(rows, cols, l));
    out = prepacked_matrix(l);
    return {};
  }

  const layout_type& layout() const noexcept { return layout_; }
  std::size_t rows() const noexcept { return layout_.rows(); }
  std::size_t cols() const noexcept { return layout_.cols(); }
  bool empty() const noexcept { return layout_.empty(); }
  std::size_t bytes() const noexcept { return layout_.total_bytes(); }
  const std::byte* data() const noexcept { return storage_.empty() ? nullptr : storage_.front().b; }
  std::byte* data() noexcept { return storage_.empty() ? nullptr : storage_.front().b; }

  prepacked_view<S> view() { return prepacked_view<S>::from_blob(rows(), cols(), data(), bytes()); }
  const_prepacked_view<S> view() const { return const_prepacked_view<S>::from_blob(rows(), cols(), data(), bytes()); }
  operator const_prepacked_view<S>() const { return view(); }
  operator prepacked_view<S>() { return view(); }

 private:
  explicit prepacked_matrix(const layout_type& l) : layout_(l), storage_(l.total_bytes() / 64) {}

  layout_type layout_{};
  std::vector<line> storage_;
};

}  // namespace LOWBIT_NS

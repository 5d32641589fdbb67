// lowbit: quantized_view (non-owning, over caller memory) and quantized_matrix (owning).
//
// A view is the three arrays of matrix_layout<S> (codes, scales, and for
// asymmetric schemes zero points) plus the dimensions. Views are cheap values:
// slice one by rows with view.rows(r0, r1), read the parameters of a group with
// view.scale(r, g) / view.zero_point(r, g). Symmetric schemes have no
// zero-point array at all (no constructor argument, no accessor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "lowbit/config.hpp"
#include "lowbit/error.hpp"
#include "lowbit/layout/matrix_layout.hpp"

namespace LOWBIT_NS {

namespace detail {
template <class T>
status check_array(const T* p, std::size_t count, const char* what) {
  if (count == 0) return {};
  if (p == nullptr) return failure(what, " pointer is null but ", count, " elements are required");
  if (reinterpret_cast<std::uintptr_t>(p) % alignof(T) != 0)
    return failure(what, " pointer is not aligned to ", alignof(T), " bytes");
  return {};
}
inline status check_row_range(std::size_t r0, std::size_t r1, std::size_t rows) {
  if (r0 > r1 || r1 > rows)
    return failure("row range [", r0, ", ", r1, ") is outside the ", rows, " rows of the matrix");
  return {};
}
}  // namespace detail

/// A quantized matrix in caller-owned memory, laid out as matrix_layout<S>
/// documents. Element is `T` or `const T` depending on `Mutable`.
/// Construction checks the dimensions (their sizes must fit: "matrix is too
/// large") and that every required array is non-null and aligned for its
/// element type; the array lengths are the caller's promise (matrix_layout).
template <Scheme S, bool Mutable>
class basic_quantized_view {
  template <class T>
  using ptr = std::conditional_t<Mutable, T*, const T*>;
  using zero_storage = zero_point_storage_t<S>;

 public:
  using scheme_type = S;
  using word_type = typename S::word_type;
  using scale_type = typename S::scale_type;
  using zero_point_type = typename S::zero_point_type;  ///< void for symmetric schemes
  static constexpr bool is_mutable = Mutable;

  /// The empty 0 x 0 view.
  basic_quantized_view() = default;

  /// A symmetric scheme's view over its codes and scales. Throws lowbit::error.
  basic_quantized_view(std::size_t rows, std::size_t cols, ptr<word_type> codes,
                       ptr<scale_type> scales) requires(!S::has_zero_point) {
    detail::throw_if_failed(try_make(rows, cols, codes, scales, *this));
  }
  /// An asymmetric scheme's view over its codes, scales and zero points. Throws lowbit::error.
  template <class Z = zero_storage>
  requires(S::has_zero_point) basic_quantized_view(std::size_t rows, std::size_t cols, ptr<word_type> codes,
                                                   ptr<scale_type> scales, ptr<Z> zero_points) {
    detail::throw_if_failed(try_make(rows, cols, codes, scales, zero_points, *this));
  }

  /// Error-code forms of the constructors: `out` is assigned only when ok.
  static status try_make(std::size_t rows, std::size_t cols, ptr<word_type> codes, ptr<scale_type> scales,
                         basic_quantized_view& out) requires(!S::has_zero_point) {
    return make(rows, cols, codes, scales, nullptr, out);
  }
  template <class Z = zero_storage>
  static status try_make(std::size_t rows, std::size_t cols, ptr<word_type> codes, ptr<scale_type> scales,
                         ptr<Z> zero_points, basic_quantized_view& out) requires(S::has_zero_point) {
    return make(rows, cols, codes, scales, zero_points, out);
  }

  /// A view over one buffer in the blob layout of matrix_layout<S> (codes, then
  /// scales and zero points at 64-byte aligned offsets). `bytes` must cover
  /// total_bytes(). Throws lowbit::error.
  static basic_quantized_view from_blob(std::size_t rows, std::size_t cols, ptr<void> blob, std::size_t bytes) {
    basic_quantized_view v;
    detail::throw_if_failed(try_from_blob(rows, cols, blob, bytes, v));
    return v;
  }
  static status try_from_blob(std::size_t rows, std::size_t cols, ptr<void> blob, std::size_t bytes,
                              basic_quantized_view& out) {
    matrix_layout<S> l;
    LOWBIT_TRY(matrix_layout<S>::try_make(rows, cols, l));
    if (bytes < l.total_bytes())
      return detail::failure("blob of ", bytes, " bytes is smaller than the ", l.total_bytes(),
                             " bytes the layout needs");
    if (!l.empty() && blob == nullptr) return detail::failure("blob pointer is null");
    using byte_ptr = std::conditional_t<Mutable, std::byte*, const std::byte*>;
    const auto base = static_cast<byte_ptr>(blob);
    if (l.empty()) return make(rows, cols, nullptr, nullptr, nullptr, out);
    return make(rows, cols, reinterpret_cast<ptr<word_type>>(base),
                reinterpret_cast<ptr<scale_type>>(base + l.scales_offset()),
                S::has_zero_point ? reinterpret_cast<ptr<zero_storage>>(base + l.zero_points_offset()) : nullptr, out);
  }

  /// Mutable -> const conversion.
  template <bool M = Mutable>
  requires(!M) basic_quantized_view(const basic_quantized_view<S, true>& v)
      : layout_(v.layout()),
        codes_(v.codes_),
        scales_(v.scales_),
        zero_points_(v.zero_points_),
        row_range_(v.row_range_) {}

  const matrix_layout<S>& layout() const noexcept { return layout_; }
  std::size_t rows() const noexcept { return layout_.rows(); }
  std::size_t cols() const noexcept { return layout_.cols(); }
  bool empty() const noexcept { return layout_.empty(); }
  ptr<word_type> codes() const noexcept { return codes_; }
  ptr<scale_type> scales() const noexcept { return scales_; }
  template <class Z = zero_storage>
  ptr<Z> zero_points() const noexcept requires(S::has_zero_point) {
    return zero_points_;
  }

  /// Rows [r0, r1) as a view of their own: their codes, scales and zero points
  /// (per_tensor: the one shared scale). Throws lowbit::error if the range is
  /// not inside the matrix.
  basic_quantized_view rows(std::size_t r0, std::size_t r1) const {
    basic_quantized_view v;
    detail::throw_if_failed(try_rows(r0, r1, v));
    return v;
  }
  status try_rows(std::size_t r0, std::size_t r1, basic_quantized_view& out) const {
    LOWBIT_TRY(detail::check_row_range(r0, r1, rows()));
    basic_quantized_view v;
    v.layout_ = matrix_layout<S>(r1 - r0, cols());  // no larger than this one: fits
    v.row_range_ = row_range_ || r0 != 0 || r1 != rows();
    if (!v.empty()) {
      const std::size_t p0 = S::granularity == granularity_kind::tensor ? 0 : r0 * layout_.groups_per_row();
      v.codes_ = codes_ + r0 * layout_.row_words();
      v.scales_ = scales_ + p0;
      if constexpr (S::has_zero_point) v.zero_points_ = zero_points_ + p0;
    }
    out = v;
    return {};
  }

  /// True for a view made by rows(r0, r1) that is not all of its matrix. A
  /// per_tensor scale belongs to the whole matrix: quantize refuses such a view.
  bool is_row_range() const noexcept { return row_range_; }

  /// First word of packed row r.
  ptr<word_type> row_codes(std::size_t r) const noexcept { return codes_ + r * layout_.row_words(); }
  /// Index into scales() / zero_points() of group g of row r (per_tensor: 0).
  std::size_t param_index(std::size_t r, std::size_t g) const noexcept { return layout_.param_index(r, g); }
  /// The scales of row r: groups_per_row() of them (per_tensor: the one scale).
  ptr<scale_type> row_scales(std::size_t r) const noexcept { return scales_ + param_index(r, 0); }
  template <class Z = zero_storage>
  ptr<Z> row_zero_points(std::size_t r) const noexcept requires(S::has_zero_point) {
    return zero_points_ + param_index(r, 0);
  }
  /// Stored scale / zero point of group g of row r (g < groups_per_row(); unchecked).
  scale_type scale(std::size_t r, std::size_t g = 0) const noexcept { return scales_[param_index(r, g)]; }
  template <class Z = zero_storage>
  Z zero_point(std::size_t r, std::size_t g = 0) const noexcept requires(S::has_zero_point) {
    return zero_points_[param_index(r, g)];
  }

 private:
  template <Scheme, bool>
  friend class basic_quantized_view;

  static status make(std::size_t rows, std::size_t cols, ptr<word_type> codes, ptr<scale_type> scales,
                     ptr<zero_storage> zero_points, basic_quantized_view& out) {
    basic_quantized_view v;
    LOWBIT_TRY(matrix_layout<S>::try_make(rows, cols, v.layout_));
    LOWBIT_TRY(detail::check_array(codes, v.layout_.code_words(), "codes"));
    LOWBIT_TRY(detail::check_array(scales, v.layout_.params_count(), "scales"));
    LOWBIT_TRY(detail::check_array(zero_points, v.layout_.zero_points_count(), "zero points"));
    v.codes_ = codes;
    v.scales_ = scales;
    v.zero_points_ = zero_points;
    out = v;
    return {};
  }

  matrix_layout<S> layout_{};
  ptr<word_type> codes_ = nullptr;
  ptr<scale_type> scales_ = nullptr;
  ptr<zero_storage> zero_points_ = nullptr;  ///< null for symmetric schemes
  bool row_range_ = false;
};

template <Scheme S>
using quantized_view = basic_quantized_view<S, true>;
template <Scheme S>
using const_quantized_view = basic_quantized_view<S, false>;

/// An owning quantized matrix: the three arrays of matrix_layout<S> in std::vectors.
template <Scheme S>
class quantized_matrix {
  using zero_storage = zero_point_storage_t<S>;

 public:
  using scheme_type = S;
  using word_type = typename S::word_type;
  using scale_type = typename S::scale_type;
  using zero_point_type = typename S::zero_point_type;  ///< void for symmetric schemes

  quantized_matrix() = default;
  /// Allocates storage for rows x cols (contents zero until quantized into).
  /// Throws lowbit::error if the sizes overflow ("matrix is too large"), and
  /// std::bad_alloc if the memory is not there.
  quantized_matrix(std::size_t rows, std::size_t cols) : quantized_matrix(matrix_layout<S>(rows, cols)) {}
  /// The error-code form of the constructor: `out` is assigned only when ok.
  static status try_make(std::size_t rows, std::size_t cols, quantized_matrix& out) {
    matrix_layout<S> l;
    LOWBIT_TRY(matrix_layout<S>::try_make(rows, cols, l));
    out = quantized_matrix(l);
    return {};
  }

  const matrix_layout<S>& layout() const noexcept { return layout_; }
  std::size_t rows() const noexcept { return layout_.rows(); }
  std::size_t cols() const noexcept { return layout_.cols(); }
  bool empty() const noexcept { return layout_.empty(); }

  const std::vector<word_type>& codes() const noexcept { return codes_; }
  const std::vector<scale_type>& scales() const noexcept { return scales_; }
  template <class Z = zero_storage>
  const std::vector<Z>& zero_points() const noexcept requires(S::has_zero_point) {
    return zero_points_;
  }

  quantized_view<S> view() {
    quantized_view<S> v;
    detail::throw_if_failed(make_view(codes_.data(), scales_.data(), zero_points_.data(), v));
    return v;
  }
  const_quantized_view<S> view() const {
    const_quantized_view<S> v;
    detail::throw_if_failed(make_view(codes_.data(), scales_.data(), zero_points_.data(), v));
    return v;
  }
  operator const_quantized_view<S>() const { return view(); }
  operator quantized_view<S>() { return view(); }

  /// Rows [r0, r1) as a view (see basic_quantized_view::rows).
  quantized_view<S> rows(std::size_t r0, std::size_t r1) { return view().rows(r0, r1); }
  const_quantized_view<S> rows(std::size_t r0, std::size_t r1) const { return view().rows(r0, r1); }

  scale_type scale(std::size_t r, std::size_t g = 0) const noexcept { return scales_[layout_.param_index(r, g)]; }
  template <class Z = zero_storage>
  Z zero_point(std::size_t r, std::size_t g = 0) const noexcept requires(S::has_zero_point) {
    return zero_points_[layout_.param_index(r, g)];
  }

 private:
  explicit quantized_matrix(const matrix_layout<S>& l)
      : layout_(l), codes_(l.code_words()), scales_(l.params_count()), zero_points_(l.zero_points_count()) {}

  template <class V, class W, class Sc, class Z>
  status make_view(W* codes, Sc* scales, Z* zero_points, V& out) const {
    if constexpr (S::has_zero_point)
      return V::try_make(rows(), cols(), codes, scales, zero_points, out);
    else
      return V::try_make(rows(), cols(), codes, scales, out);
  }

  matrix_layout<S> layout_{};
  std::vector<word_type> codes_;
  std::vector<scale_type> scales_;
  std::vector<zero_storage> zero_points_;  ///< empty for symmetric schemes
};

}  // namespace LOWBIT_NS

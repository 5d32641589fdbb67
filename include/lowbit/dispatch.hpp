// lowbit: runtime dispatch of the matrix products over ISA levels.
//
// Static dispatch is the default: every call runs the kernels of the flags its
// translation unit is compiled with. To ship one binary that runs the best
// path on an SSE2, an AVX2 and an AVX-512 machine, put the kernels you need in
// one source file of their own:
//
//   // my_kernels.cpp
//   #include <lowbit/dispatch.hpp>
//   LOWBIT_DISPATCH_GEMM(my_gemm_q4, lowbit::scheme<lowbit::bits<4>, lowbit::per_group<32>,
//   lowbit::scale<lowbit::fp16>>) LOWBIT_DISPATCH_GEMM(my_gemm_q8, lowbit::scheme<lowbit::bits<8>,
//   lowbit::per_channel>)
//
// and let CMake compile it once per level plus once as the dispatcher:
//
//   include(LowbitDispatch)            # shipped with lowbit's CMake package
//   lowbit_add_dispatched_sources(my_engine my_kernels.cpp)
//
// Callers declare what they use (any TU, any flags) and call it:
//
//   LOWBIT_DISPATCH_DECLARE_GEMM(my_gemm_q4)
//   lowbit::dispatch::gemm_args a;
//   a.w = lowbit::dispatch::matrix_of(view);   // or of a prepacked matrix / view, or the raw arrays
//   a.x = x; a.tokens = n; a.y = y;            // a.x_type = activation::f16 / bf16 for half activations
//   lowbit::status s = my_gemm_q4(a);          // the best level this CPU runs
//   s = my_gemm_q4(a, lowbit::dispatch::level::avx2);  // a level forced (refused if the CPU lacks it)
//
// Each level's copy of the kernels is compiled only with that level's flags
// and lives in that level's per-ISA namespace; the functions the macro
// defines carry the level in their names, and the dispatcher (built without
// ISA flags) reaches them through the vocabulary types of dispatch_types.hpp
// only. No code compiled for one level is reachable from another's
// (tests/dispatch checks it on the objects, as tests/odr does).
//
// What the CMake helper defines per copy: LOWBIT_DISPATCH_LEVEL=<level> (one
// of sse2, avx2, avx512, avx512vnni, with that level's -m flags), or
// LOWBIT_DISPATCH_DISPATCHER=1 for the dispatcher. Without either (a plain
// build of the file) the macro defines `name` as a static-dispatch function.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

#include "lowbit/config.hpp"
#include "lowbit/convert.hpp"
#include "lowbit/detail/checked_size.hpp"
#include "lowbit/detail/scratch.hpp"
#include "lowbit/dispatch_types.hpp"
#include "lowbit/error.hpp"
#include "lowbit/layout/prepacked_matrix.hpp"
#include "lowbit/layout/quantized_matrix.hpp"
#include "lowbit/matmul.hpp"

namespace LOWBIT_NS::dispatch {

using level = ::lowbit::dispatch_level;
using path_kind = ::lowbit::dispatch_path;
using epilogue_kind = ::lowbit::dispatch_epilogue;
using matrix = ::lowbit::dispatch_matrix;
using gemm_args = ::lowbit::gemm_args;
using activation = ::lowbit::dispatch_activation;

/// The raw arrays of a view or matrix, for gemm_args::w.
template <Scheme S, bool M>
matrix matrix_of(const basic_quantized_view<S, M>& v) noexcept {
  matrix m;
  m.codes = v.codes();
  m.scales = v.scales();
  if constexpr (S::has_zero_point) m.zero_points = v.zero_points();
  m.rows = v.rows();
  m.cols = v.cols();
  return m;
}
template <Scheme S>
matrix matrix_of(const quantized_matrix<S>& q) {
  return matrix_of(q.view());
}
template <Scheme S, bool M>
matrix matrix_of(const basic_prepacked_view<S, M>& v) noexcept {
  matrix m;
  m.prepacked = v.data();
  m.prepacked_bytes = v.bytes();
  m.rows = v.rows();
  m.cols = v.cols();
  return m;
}
template <Scheme S>
matrix matrix_of(const prepacked_matrix<S>& p) {
  return matrix_of(p.view());
}

/// The best level this CPU runs (CPUID through __builtin_cpu_supports).
inline level cpu_level() noexcept {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512cd");
  if (avx512 && __builtin_cpu_supports("avx512vnni")) return level::avx512vnni;
  if (avx512) return level::avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
      __builtin_cpu_supports("bmi2"))
    return level::avx2;
#endif
  return level::sse2;
}

inline const char* level_name(level l) noexcept {
  switch (l) {
    case level::sse2:
      return "sse2";
    case level::avx2:
      return "avx2";
    case level::avx512:
      return "avx512";
    case level::avx512vnni:
      return "avx512vnni";
    case level::best:
      return "best";
  }
  return "?";
}

/// The level a call asking for `requested` runs, or a refusal if the CPU lacks it.
inline status resolve(level requested, level& out) {
  const level cpu = cpu_level();
  if (requested == level::best) {
    out = cpu;
    return {};
  }
  if (static_cast<int>(requested) < 0 || static_cast<int>(requested) > static_cast<int>(level::avx512vnni))
    return detail::failure("dispatch: unknown ISA level ", static_cast<int>(requested));
  if (static_cast<int>(requested) > static_cast<int>(cpu))
    return detail::failure("dispatch: this CPU cannot run the ", level_name(requested), " kernels (it runs up to ",
                           level_name(cpu), ")");
  out = requested;
  return {};
}

/// a with its epilogue and path -> lowbit::try_gemm on w (a quantized or prepacked view), x fp32.
template <class W>
status run_on(const W& w, const gemm_args& a, const float* x, std::size_t x_stride) {
  matmul_options o = a.options;
  o.x_stride = x_stride;
  auto with_epilogue = [&](auto path) -> status {
    using P = decltype(path);
    const threads t{a.threads};
    switch (a.epilogue) {
      case epilogue_kind::none:
        return try_gemm<P>(w, x, a.tokens, a.y, t, o, epilogue::none{});
      case epilogue_kind::bias:
        return try_gemm<P>(w, x, a.tokens, a.y, t, o, epilogue::bias{a.bias});
      case epilogue_kind::scale:
        return try_gemm<P>(w, x, a.tokens, a.y, t, o, epilogue::scale{a.alpha});
      case epilogue_kind::accumulate:
        return try_gemm<P>(w, x, a.tokens, a.y, t, o, epilogue::accumulate{a.beta});
    }
    return detail::failure("dispatch: unknown epilogue kind ", static_cast<int>(a.epilogue));
  };
  switch (a.path) {
    case path_kind::automatic:
      return with_epilogue(path::automatic{});
    case path_kind::floating:
      return with_epilogue(path::floating{});
    case path_kind::int8_dot:
      return with_epilogue(path::int8_dot{});
  }
  return detail::failure("dispatch: unknown path kind ", static_cast<int>(a.path));
}

/// The regions of w's bytes (for the overlap check of half activations).
template <Scheme S, bool M>
std::array<detail::byte_span, 3> weight_spans(const basic_quantized_view<S, M>& w) noexcept {
  return detail::weight_spans(w);
}
template <Scheme S, bool M>
std::array<detail::byte_span, 3> weight_spans(const basic_prepacked_view<S, M>& w) noexcept {
  return {detail::byte_span::of(w.data(), w.bytes())};
}

/// a on w with fp32 activations; fp16 / bf16 activations are checked as
/// lowbit::gemm checks them, then converted to fp32 (exactly: the kernels
/// do the same per row, so the results are those of lowbit::gemm on them).
template <class T, class W>
status run_activations(const W& w, const gemm_args& a) {
  if constexpr (std::is_same_v<T, float>) {
    return run_on(w, a, static_cast<const float*>(a.x), a.options.x_stride);
  } else {
    const T* x = static_cast<const T*>(a.x);
    detail::matmul_call c;
    LOWBIT_TRY(detail::check_matmul(w.rows(), w.cols(), weight_spans(w), x, a.tokens, a.y, a.options, epilogue::none{},
                                    "gemm", c));
    const std::size_t cols = w.cols();
    detail::scratch_vector<float> converted(c.r0 == c.r1 ? 0 : a.tokens * cols);  // fits: checked above
    for (std::size_t n = 0; n < a.tokens && !converted.empty(); ++n)
      LOWBIT_TRY(try_convert(x + n * c.x_stride, cols, converted.data() + n * cols));
    return run_on(w, a, converted.empty() ? nullptr : converted.data(), cols);
  }
}

template <class W>
status run_view(const W& w, const gemm_args& a) {
  switch (a.x_type) {
    case activation::f32:
      return run_activations<float>(w, a);
    case activation::f16:
      return run_activations<fp16>(w, a);
    case activation::bf16:
      return run_activations<bf16>(w, a);
  }
  return detail::failure("dispatch: unknown activation type ", static_cast<int>(a.x_type));
}

/// gemm_args -> lowbit::try_gemm on this TU's kernels (a level's copy).
template <Scheme S>
status run_gemm(const gemm_args& a) {
  using W = typename S::word_type;
  using Sc = typename S::scale_type;
  if (a.w.prepacked != nullptr) {
    if constexpr (prepackable<S>) {
      const_prepacked_view<S> w;
      LOWBIT_TRY(const_prepacked_view<S>::try_from_blob(a.w.rows, a.w.cols, a.w.prepacked, a.w.prepacked_bytes, w));
      return run_view(w, a);
    } else {
      return detail::failure("dispatch: this scheme has no prepacked layout (per_group<G> needs G a multiple of 16)");
    }
  }
  const_quantized_view<S> w;
  if constexpr (S::has_zero_point)
    LOWBIT_TRY(const_quantized_view<S>::try_make(a.w.rows, a.w.cols, static_cast<const W*>(a.w.codes),
                                                 static_cast<const Sc*>(a.w.scales),
                                                 static_cast<const zero_point_storage_t<S>*>(a.w.zero_points), w));
  else
    LOWBIT_TRY(const_quantized_view<S>::try_make(a.w.rows, a.w.cols, static_cast<const W*>(a.w.codes),
                                                 static_cast<const Sc*>(a.w.scales), w));
  return run_view(w, a);
}

}  // namespace LOWBIT_NS::dispatch

/// Declares the dispatched function `name` (status name(const gemm_args&, level = best)).
#define LOWBIT_DISPATCH_DECLARE_GEMM(name)               \
  ::lowbit::status name(const ::lowbit::gemm_args& args, \
                        ::lowbit::dispatch_level level = ::lowbit::dispatch_level::best);

#define LOWBIT_DISPATCH_CAT_(a, b) a##_##b
#define LOWBIT_DISPATCH_CAT(a, b) LOWBIT_DISPATCH_CAT_(a, b)

#if defined(LOWBIT_DISPATCH_LEVEL)
// One level's copy: name_<level>, compiled with that level's flags only.
#define LOWBIT_DISPATCH_GEMM(name, ...)                                                                  \
  ::lowbit::status LOWBIT_DISPATCH_CAT(name, LOWBIT_DISPATCH_LEVEL)(const ::lowbit::gemm_args& args) {   \
    LOWBIT_TRACE_KERNEL("dispatch_" LOWBIT_DISPATCH_STRING(LOWBIT_DISPATCH_LEVEL), xsimd::default_arch); \
    return ::lowbit::dispatch::run_gemm<__VA_ARGS__>(args);                                              \
  }
#define LOWBIT_DISPATCH_STRING_(x) #x
#define LOWBIT_DISPATCH_STRING(x) LOWBIT_DISPATCH_STRING_(x)
#elif defined(LOWBIT_DISPATCH_DISPATCHER)
// The dispatcher (no ISA flags): picks the level, calls its copy.
#define LOWBIT_DISPATCH_GEMM(name, ...)                                                        \
  ::lowbit::status name##_sse2(const ::lowbit::gemm_args&);                                    \
  ::lowbit::status name##_avx2(const ::lowbit::gemm_args&);                                    \
  ::lowbit::status name##_avx512(const ::lowbit::gemm_args&);                                  \
  ::lowbit::status name##_avx512vnni(const ::lowbit::gemm_args&);                              \
  ::lowbit::status name(const ::lowbit::gemm_args& args, ::lowbit::dispatch_level requested) { \
    ::lowbit::dispatch_level run{};                                                            \
    LOWBIT_TRY(::lowbit::dispatch::resolve(requested, run));                                   \
    switch (run) {                                                                             \
      case ::lowbit::dispatch_level::avx512vnni:                                               \
        return name##_avx512vnni(args);                                                        \
      case ::lowbit::dispatch_level::avx512:                                                   \
        return name##_avx512(args);                                                            \
      case ::lowbit::dispatch_level::avx2:                                                     \
        return name##_avx2(args);                                                              \
      default:                                                                                 \
        return name##_sse2(args);                                                              \
    }                                                                                          \
  }
#else
// A plain build of the file: static dispatch on its own flags (level must be best or refused).
#define LOWBIT_DISPATCH_GEMM(name, ...)                                                               \
  ::lowbit::status name(const ::lowbit::gemm_args& args, ::lowbit::dispatch_level requested) {        \
    if (requested != ::lowbit::dispatch_level::best)                                                  \
      return ::lowbit::detail::failure("dispatch: ", #name,                                           \
                                       " was built without runtime dispatch; only level::best runs"); \
    return ::lowbit::dispatch::run_gemm<__VA_ARGS__>(args);                                           \
  }
#endif

// tests/dispatch: one binary, the kernels compiled for every ISA level
// (dispatch_kernels.cpp through lowbit_add_dispatched_sources), this file with
// no ISA flags:
//  - the dispatched entry point runs the best level this CPU has (each level's
//    copy traces its name, LOWBIT_TRACE_KERNELS);
//  - every level the CPU runs, forced, gives the oracle's result within the
//    tolerance of docs/kernels.md (floating: relative 1e-5; int8_dot against
//    the int8 reference, whose activations are bit-identical on every level);
//    So do fp16 activations (bit-identical to their float values) and the
//    prepacked matrix;
//  - a level above the CPU's is refused, with nothing written.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dispatch_schemes.hpp"
#include "lowbit/dispatch.hpp"
#include "lowbit/lowbit.hpp"

LOWBIT_DISPATCH_DECLARE_GEMM(test_gemm_q4)
LOWBIT_DISPATCH_DECLARE_GEMM(test_gemm_q3a)

namespace {
std::string last_level;
}  // namespace

void lowbit_trace_kernel(const char* kernel, const char*) {
  const std::string k = kernel;
  if (k.rfind("dispatch_", 0) == 0) last_level = k.substr(9);
}

namespace {

using namespace lowbit;

template <class S, class F>
void check_levels(F&& dispatched) {
  const std::size_t rows = 37, cols = 700, tokens = 3;
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  std::vector<float> w(rows * cols), x(tokens * cols);
  for (float& v : w) v = nd(rng);
  for (float& v : x) v = nd(rng);
  const quantized_matrix<S> q = lowbit::quantize<S>(w.data(), rows, cols);
  const prepacked_matrix<S> p = lowbit::prepack(q);
  const dispatch::level cpu = dispatch::cpu_level();
  for (auto path : {dispatch::path_kind::floating, dispatch::path_kind::int8_dot}) {
    std::vector<float> ref(tokens * rows);
    if (path == dispatch::path_kind::floating)
      reference::gemm<path::floating>(q.view(), x.data(), tokens, ref.data());
    else
      reference::gemm<path::int8_dot>(q.view(), x.data(), tokens, ref.data());
    dispatch::gemm_args a;
    a.w = dispatch::matrix_of(q);
    a.x = x.data();
    a.tokens = tokens;
    a.path = path;
    std::vector<float> y(tokens * rows, -1.0f);
    a.y = y.data();
    last_level.clear();
    REQUIRE(dispatched(a, dispatch::level::best).ok());
    CHECK(last_level == dispatch::level_name(cpu));
    for (int l = 0; l <= static_cast<int>(dispatch::level::avx512vnni); ++l) {
      const auto lv = static_cast<dispatch::level>(l);
      CAPTURE(dispatch::level_name(lv));
      std::fill(y.begin(), y.end(), -1.0f);
      last_level.clear();
      const status s = dispatched(a, lv);
      if (l > static_cast<int>(cpu)) {
        CHECK_FALSE(s.ok());
        CHECK(std::string(s.message()).find("this CPU cannot run") != std::string::npos);
        for (float v : y) CHECK(v == -1.0f);
        continue;
      }
      REQUIRE(s.ok());
      CHECK(last_level == dispatch::level_name(lv));
      double num = 0, den = 0;
      for (std::size_t i = 0; i < y.size(); ++i) {
        num += (static_cast<double>(y[i]) - ref[i]) * (static_cast<double>(y[i]) - ref[i]);
        den += static_cast<double>(ref[i]) * ref[i];
      }
      CHECK(std::sqrt(num / den) <= 1e-5);
      // fp16 activations: converted exactly, the result of their float values
      std::vector<fp16> xh(x.size());
      std::vector<float> xf(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        xh[i] = fp16(x[i]);
        xf[i] = float_storage<fp16>::to_float(xh[i]);
      }
      dispatch::gemm_args h = a;
      std::vector<float> yh(y.size(), -1.0f), yf(y.size(), -1.0f);
      h.x = xh.data();
      h.x_type = dispatch::activation::f16;
      h.y = yh.data();
      REQUIRE(dispatched(h, lv).ok());
      h.x = xf.data();
      h.x_type = dispatch::activation::f32;
      h.y = yf.data();
      REQUIRE(dispatched(h, lv).ok());
      CHECK(std::memcmp(yh.data(), yf.data(), yh.size() * sizeof(float)) == 0);
      // the prepacked matrix: the same oracle, the same tolerance
      if constexpr (prepackable<S>) {
        dispatch::gemm_args pa = a;
        pa.w = dispatch::matrix_of(p);
        std::vector<float> yp(y.size(), -1.0f);
        pa.y = yp.data();
        REQUIRE(dispatched(pa, lv).ok());
        double pn = 0;
        for (std::size_t i = 0; i < yp.size(); ++i)
          pn += (static_cast<double>(yp[i]) - ref[i]) * (static_cast<double>(yp[i]) - ref[i]);
        CHECK(std::sqrt(pn / den) <= 1e-5);
      }
    }
  }
}

}  // namespace

TEST_CASE("dispatch: the best level runs, every lower level forced gives the oracle's result") {
  MESSAGE("this CPU's best level: " << std::string(dispatch::level_name(dispatch::cpu_level())));
  check_levels<dispatch_test::q4>([](const gemm_args& a, dispatch::level l) { return test_gemm_q4(a, l); });
  check_levels<dispatch_test::q3a>([](const gemm_args& a, dispatch::level l) { return test_gemm_q3a(a, l); });
}

TEST_CASE("dispatch: bad arguments are refused as lowbit::gemm refuses them") {
  dispatch::gemm_args a;
  a.w.rows = 4;
  a.w.cols = 64;  // null codes with a non-empty shape
  const status s = test_gemm_q4(a);
  CHECK_FALSE(s.ok());
  CHECK(std::string(s.message()).find("codes pointer is null") != std::string::npos);
  // half activations: y over x is refused before the conversion
  using S = dispatch_test::q4;
  std::vector<float> w(4 * 64, 0.5f);
  const quantized_matrix<S> q = lowbit::quantize<S>(w.data(), 4, 64);
  std::vector<fp16> xy(64 + 16, fp16(1.0f));
  dispatch::gemm_args h;
  h.w = dispatch::matrix_of(q);
  h.x = xy.data();
  h.x_type = dispatch::activation::f16;
  h.y = reinterpret_cast<float*>(xy.data() + 8);
  const status o = test_gemm_q4(h);
  CHECK(std::string(o.message()).find("overlaps the activations") != std::string::npos);
  h.x_type = static_cast<dispatch::activation>(7);
  CHECK(std::string(test_gemm_q4(h).message()).find("unknown activation type") != std::string::npos);
}

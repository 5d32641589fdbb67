#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "lowbit/lowbit.hpp"

TEST_CASE("reference round trip smoke") {
  using S = lowbit::scheme<lowbit::asymmetric, lowbit::bits<3>, lowbit::per_group<32>, lowbit::scale<lowbit::fp16>>;
  std::mt19937 rng(1);
  std::normal_distribution<float> nd;
  std::vector<float> x(7 * 1000);
  for (auto& v : x) v = nd(rng);
  auto q = lowbit::reference::quantize<S>(x.data(), 7, 1000);
  std::vector<float> y(x.size());
  lowbit::reference::dequantize<S>(q, y.data());
  double err = 0;
  for (size_t i = 0; i < x.size(); ++i) err = std::max(err, double(std::abs(x[i] - y[i])));
  CHECK(err < 0.5);
}

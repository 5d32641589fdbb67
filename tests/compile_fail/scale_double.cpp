// compile-fail: double is not a scale storage type.
// expect: lowbit::scale<T>: T must be float, lowbit::fp16 or lowbit::bf16
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<4>, lowbit::scale<double>>;
static_assert(lowbit::Scheme<S>);

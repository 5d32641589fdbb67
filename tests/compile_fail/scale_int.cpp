// compile-fail: an integer scale type.
// expect: lowbit::scale<T>: T must be float, lowbit::fp16 or lowbit::bf16
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<4>, lowbit::scale<int>>;
static_assert(lowbit::Scheme<S>);

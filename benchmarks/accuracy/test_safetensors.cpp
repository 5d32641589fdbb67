// The safetensors reader (safetensors.hpp) on well-formed files built here and
// on malformed ones: the header is untrusted input, and every defect must be
// refused with a format_error naming it, never read past the buffer.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "safetensors.hpp"

namespace {

using lowbit_bench::safetensors::file;
using lowbit_bench::safetensors::format_error;

/// The bytes of a file: the 8-byte little-endian header length, the header, the data.
std::vector<std::byte> make_file(const std::string& header, const std::vector<std::byte>& data,
                                 std::uint64_t declared_length = ~std::uint64_t{0}) {
  const std::uint64_t n = declared_length == ~std::uint64_t{0} ? header.size() : declared_length;
  std::vector<std::byte> out;
  for (int k = 0; k < 8; ++k) out.push_back(static_cast<std::byte>((n >> (8 * k)) & 0xFF));
  for (const char c : header) out.push_back(static_cast<std::byte>(c));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<std::byte> f32_bytes(const std::vector<float>& v) {
  std::vector<std::byte> out;
  for (const float f : v) {
    const auto u = std::bit_cast<std::uint32_t>(f);
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<std::byte>((u >> (8 * k)) & 0xFF));
  }
  return out;
}

/// The message of the format_error that parsing `bytes` throws ("" if none).
std::string refusal(const std::vector<std::byte>& bytes) {
  try {
    (void)file::from_bytes(bytes);
  } catch (const format_error& e) {
    return e.what();
  }
  return "";
}

const std::vector<float> values = {1.0f, -2.5f, 3.25f, 0.0f, -0.0f, 1e-30f};

}  // namespace

TEST_CASE("a well-formed file: tensors, shapes, values, metadata") {
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
      R"("b":{"dtype":"F16","shape":[2],"data_offsets":[24,28]}, "s" : {"dtype":"I64","shape":[],"data_offsets":[28,36]}})";
  std::vector<std::byte> data = f32_bytes(values);
  data.resize(36, std::byte{0});
  const file f = file::from_bytes(make_file(header, data));
  REQUIRE(f.tensors().size() == 3);
  const auto& w = f.at("w");
  CHECK(w.dtype == "F32");
  CHECK(w.shape == std::vector<std::size_t>{2, 3});
  CHECK(w.elements() == 6);
  const std::vector<float> read = f.read_f32(w);
  REQUIRE(read.size() == values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    CHECK(std::bit_cast<std::uint32_t>(read[i]) == std::bit_cast<std::uint32_t>(values[i]));
  CHECK(f.at("s").shape.empty());
  CHECK(f.at("s").elements() == 1);
  REQUIRE(f.metadata().size() == 1);
  CHECK(f.metadata()[0].second == "pt");
  CHECK_THROWS_AS((void)f.read_f32(f.at("b")), format_error);  // F16, not F32
  CHECK_THROWS_AS((void)f.at("missing"), format_error);
}

TEST_CASE("string escapes, including \\u and surrogate pairs, decode to UTF-8") {
  const std::string header = R"({"a\"\\\/\n\u00e9\ud83d\ude00":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})";
  const file f = file::from_bytes(make_file(header, {std::byte{7}}));
  REQUIRE(f.tensors().size() == 1);
  CHECK(f.tensors()[0].name == "a\"\\/\n\xC3\xA9\xF0\x9F\x98\x80");
}

TEST_CASE("malformed files are refused, saying what is wrong") {
  const std::vector<std::byte> data = f32_bytes(values);
  auto with = [&](const std::string& header) { return refusal(make_file(header, data)); };
  auto tensor = [&](const std::string& fields) { return with(R"({"w":{)" + fields + "}}"); };
  const std::string ok_fields = R"("dtype":"F32","shape":[2,3],"data_offsets":[0,24])";
  REQUIRE(tensor(ok_fields).empty());

  // the length prefix
  CHECK(refusal({std::byte{1}, std::byte{0}}).find("shorter than the 8-byte length") != std::string::npos);
  CHECK(refusal(make_file("{}", data, 1000)).find("runs past the end of the file") != std::string::npos);
  CHECK(refusal(make_file("{}", data, ~std::uint64_t{0} - 1)).find("exceeds the 100 MB limit") != std::string::npos);

  // the JSON
  CHECK(with("").find("unexpected end") != std::string::npos);
  CHECK(with("[]").find("not a JSON object") != std::string::npos);
  CHECK(with(R"({"w":)").find("unexpected end") != std::string::npos);
  CHECK(with(R"({"w":{}} x)").find("unexpected text after") != std::string::npos);
  CHECK(with(R"({"w":"unterminated)").find("unterminated string") != std::string::npos);
  CHECK(with(R"({"w\q":1})").find("bad escape") != std::string::npos);
  CHECK(with(R"({"\ud83d":1})").find("unpaired surrogate") != std::string::npos);
  CHECK(with(R"({"\u12g4":1})").find("bad hex digit") != std::string::npos);
  CHECK(with(R"({"a":1,"a":2})").find("duplicate key") != std::string::npos);
  CHECK(with(std::string(64, '[') + std::string(64, ']')).find("nesting deeper than") != std::string::npos);

  // the tensor entries
  CHECK(tensor(R"("dtype":"F32","shape":[2,3])").find("needs dtype, shape and data_offsets") != std::string::npos);
  CHECK(tensor(ok_fields + R"(,"extra":1)").find("unknown field") != std::string::npos);
  CHECK(tensor(R"("dtype":"F33","shape":[2,3],"data_offsets":[0,24])").find("unknown dtype") != std::string::npos);
  CHECK(tensor(R"("dtype":"F32","shape":[2,-3],"data_offsets":[0,24])").find("expected a value") != std::string::npos);
  CHECK(tensor(R"("dtype":"F32","shape":[2,3.0],"data_offsets":[0,24])").find("non-integer") != std::string::npos);
  CHECK(tensor(R"("dtype":"F32","shape":[2,"3"],"data_offsets":[0,24])").find("non-negative integer") !=
        std::string::npos);
  CHECK(tensor(R"("dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,24])").find("overflows") !=
        std::string::npos);
  CHECK(tensor(R"("dtype":"F32","shape":[2,3],"data_offsets":[0,18446744073709551616])").find("64 bits") !=
        std::string::npos);
  CHECK(tensor(R"("dtype":"F32","shape":[2,3],"data_offsets":[24,0])").find("begin > end") != std::string::npos);
  CHECK(tensor(R"("dtype":"F32","shape":[2,3],"data_offsets":[0,25])").find("past the data section") !=
        std::string::npos);
  CHECK(tensor(R"("dtype":"F32","shape":[2,2],"data_offsets":[0,24])").find("holds 24 bytes") != std::string::npos);
  CHECK(tensor(R"("dtype":"F32","shape":[2,3],"data_offsets":[0])").find("two integers") != std::string::npos);
  CHECK(with(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
             R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})")
            .find("overlap") != std::string::npos);
  CHECK(with(R"({"__metadata__":{"k":1}})").find("is not a string") != std::string::npos);
}

TEST_CASE("every truncation of a valid file is refused, never read past") {
  const std::string header = R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})";
  const std::vector<std::byte> whole = make_file(header, f32_bytes(values));
  REQUIRE(refusal(whole).empty());
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const std::vector<std::byte> cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK_MESSAGE(!refusal(cut).empty(), "truncated to " << n << " bytes");
  }
}

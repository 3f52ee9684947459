// safetensors: round trips for every dtype, the reference writer's byte layout, fp16/bf16
// decoding against known bit patterns, and one rejected file per malformation.
#include "io/safetensors.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>

#include "common/temp_dir.h"
#include "core/error.h"
#include "core/files.h"
#include "core/random.h"

namespace fitformer::io {
namespace {

using testing::TempDir;

// A safetensors file from raw parts, so malformed headers can be written.
std::string raw_file(const std::string& header, const std::string& data, uint64_t header_len) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &header_len, 8);
  return out + header + data;
}
std::string raw_file(const std::string& header, const std::string& data = {}) {
  return raw_file(header, data, header.size());
}

// Opens bytes written to a temp file and expects an Error whose message names the file and
// `needle` (a tensor or field).
void expect_rejected(const std::string& bytes, const std::string& needle) {
  TempDir dir;
  const auto file = dir.write("bad.safetensors", bytes);
  try {
    SafeTensorsFile::open(file);
    ADD_FAILURE() << "accepted a file that should fail on " << needle;
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << "no '" << needle << "' in: " << what;
  }
}

std::string bytes_of(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST(SafeTensors, RoundTripsEveryDtypeWithMetadata) {
  const DType dtypes[] = {DType::kF32, DType::kF16, DType::kBF16, DType::kI8,
                          DType::kI16, DType::kI32, DType::kI64,  DType::kU8};
  const std::vector<std::vector<int64_t>> shapes = {{2, 3}, {5},    {},  {1, 2, 2},
                                                    {0, 4}, {3, 1}, {2}, {7}};
  Rng rng(7);
  std::vector<std::string> buffers;
  std::vector<TensorInfo> tensors;
  buffers.reserve(8);
  for (size_t i = 0; i < 8; ++i) {
    TensorInfo t;
    t.name = "t." + std::string(dtype_name(dtypes[i]));
    t.dtype = dtypes[i];
    t.shape = shapes[i];
    std::string bytes(static_cast<size_t>(t.numel()) * dtype_size(t.dtype), '\0');
    for (char& c : bytes) c = static_cast<char>(rng.below(256));
    buffers.push_back(bytes);
    t.bytes = std::as_bytes(std::span(buffers.back()));
    tensors.push_back(t);
  }
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "é ü"}};
  TempDir dir;
  const auto path = dir.path() / "all.safetensors";
  write_safetensors(path, tensors, metadata);

  const SafeTensorsFile file = SafeTensorsFile::open(path);
  EXPECT_EQ(file.metadata(), metadata);
  ASSERT_EQ(file.tensors().size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorInfo& got = file.tensors()[i];
    EXPECT_EQ(got.name, tensors[i].name);  // the given order is the byte order
    EXPECT_EQ(got.dtype, tensors[i].dtype);
    EXPECT_EQ(got.shape, tensors[i].shape);
    EXPECT_EQ(bytes_of(got.bytes), buffers[i]) << got.name;
    EXPECT_TRUE(file.contains(got.name));
    EXPECT_EQ(&file.tensor(got.name), &got);
  }
}

TEST(SafeTensors, WritesTheReferenceLayout) {
  // What safetensors' own writer produces for {"a": [1, 2] f32}: compact JSON padded with
  // spaces to a multiple of 8, then the raw little-endian bytes.
  const float values[] = {1.0f, 2.0f};
  const TensorInfo t = f32_tensor("a", {2}, values);
  TempDir dir;
  const auto path = dir.path() / "a.safetensors";
  write_safetensors(path, std::span(&t, 1));
  std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string data(8, '\0');
  std::memcpy(data.data(), values, 8);
  EXPECT_EQ(read_file(path), raw_file(header, data));
}

TEST(SafeTensors, ReadsUnalignedDataAndUnsortedHeaders) {
  // A 61-byte header leaves the data at an odd offset; entries listed out of byte order.
  const float v[] = {3.5f, -1.25f};
  std::string data(8, '\0');
  std::memcpy(data.data(), v, 8);
  const std::string header = R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
                             R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  TempDir dir;
  const SafeTensorsFile file =
      SafeTensorsFile::open(dir.write("x.safetensors", raw_file(header, data)));
  ASSERT_EQ(file.tensors().size(), 2u);
  EXPECT_EQ(file.tensors()[0].name, "a");
  EXPECT_EQ(file.read_f32("a", std::vector<int64_t>{1}), std::vector<float>{3.5f});
  EXPECT_EQ(file.read_f32("b", std::vector<int64_t>{1}), std::vector<float>{-1.25f});
}

TEST(SafeTensors, EmptyFileHasNoTensors) {
  TempDir dir;
  const SafeTensorsFile file = SafeTensorsFile::open(dir.write("e.safetensors", raw_file("{}")));
  EXPECT_TRUE(file.tensors().empty());
  EXPECT_TRUE(file.metadata().empty());
}

TEST(SafeTensors, ReadF32ChecksNameShapeAndDtype) {
  const float values[] = {1, 2, 3, 4, 5, 6};
  const int32_t ints[] = {1, 2};
  TensorInfo i32;
  i32.name = "ints";
  i32.dtype = DType::kI32;
  i32.shape = {2};
  i32.bytes = std::as_bytes(std::span(ints));
  const TensorInfo tensors[] = {f32_tensor("w", {2, 3}, values), i32};
  TempDir dir;
  const auto path = dir.path() / "w.safetensors";
  write_safetensors(path, tensors);
  const SafeTensorsFile file = SafeTensorsFile::open(path);
  EXPECT_EQ(file.read_f32("w", std::vector<int64_t>{2, 3}),
            std::vector<float>(std::begin(values), std::end(values)));
  for (const auto& [name, shape, needle] :
       std::vector<std::tuple<std::string, std::vector<int64_t>, std::string>>{
           {"w", {3, 2}, "[3, 2]"}, {"missing", {1}, "missing"}, {"ints", {2}, "I32"}}) {
    try {
      file.read_f32(name, shape);
      ADD_FAILURE() << name;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path.string()), std::string::npos) << what;
      EXPECT_NE(what.find(name), std::string::npos) << what;
      EXPECT_NE(what.find(needle), std::string::npos) << what;
    }
  }
}

float from_bits(uint32_t bits) {
  return std::bit_cast<float>(bits);
}

TEST(SafeTensors, DecodesF16BitPatterns) {
  struct Case {
    uint16_t bits;
    float value;
  };
  const Case cases[] = {
      {0x0000, 0.0f},
      {0x3c00, 1.0f},
      {0xc000, -2.0f},
      {0x3555, 0.333251953125f},
      {0x7bff, 65504.0f},      // largest finite
      {0x0400, 0x1p-14f},      // smallest normal
      {0x03ff, 0x1.ff8p-15f},  // largest subnormal, 1023 * 2^-24
      {0x0200, 0x1p-15f},
      {0x0001, 0x1p-24f},  // smallest subnormal
      {0x8001, -0x1p-24f},
      {0x7c00, std::numeric_limits<float>::infinity()},
      {0xfc00, -std::numeric_limits<float>::infinity()},
  };
  for (const Case& c : cases) EXPECT_EQ(f16_to_f32(c.bits), c.value) << std::hex << c.bits;
  EXPECT_TRUE(std::signbit(f16_to_f32(0x8000)));
  EXPECT_EQ(f16_to_f32(0x8000), 0.0f);
  // NaNs stay NaN with sign and payload moved to the fp32 positions.
  EXPECT_EQ(std::bit_cast<uint32_t>(f16_to_f32(0x7e00)), 0x7fc00000u);
  EXPECT_EQ(std::bit_cast<uint32_t>(f16_to_f32(0xfc01)), 0xff802000u);

  // Every finite pattern against the definition, evaluated in double.
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const uint32_t e = (bits >> 10) & 0x1f, m = bits & 0x3ff;
    if (e == 0x1f) {
      EXPECT_EQ(std::isnan(f16_to_f32(static_cast<uint16_t>(bits))), m != 0);
      continue;
    }
    const double magnitude =
        e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, static_cast<int>(e) - 25);
    const double expected = (bits & 0x8000) ? -magnitude : magnitude;
    ASSERT_EQ(f16_to_f32(static_cast<uint16_t>(bits)), static_cast<float>(expected)) << bits;
  }
}

TEST(SafeTensors, DecodesBf16BitPatterns) {
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_f32(0x4049), 3.140625f);
  EXPECT_EQ(bf16_to_f32(0xc2f7), -123.5f);
  EXPECT_EQ(bf16_to_f32(0x0080), 0x1p-126f);  // smallest normal
  EXPECT_EQ(bf16_to_f32(0x0001), 0x1p-133f);  // smallest subnormal
  EXPECT_EQ(bf16_to_f32(0x7f7f), 0x1.fep127f);
  EXPECT_EQ(bf16_to_f32(0x7f80), std::numeric_limits<float>::infinity());
  EXPECT_EQ(bf16_to_f32(0xff80), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::signbit(bf16_to_f32(0x8000)));
  EXPECT_EQ(std::bit_cast<uint32_t>(bf16_to_f32(0x7fc1)), 0x7fc10000u);
  EXPECT_EQ(from_bits(0x00010000), bf16_to_f32(0x0001));
}

TEST(SafeTensors, ReadF32ConvertsHalfTypes) {
  // -2 in place of -inf: read_f32 refuses non-finite weights (RefusesNonFiniteDenseWeights),
  // and f16_to_f32 / bf16_to_f32 have their infinity cases above.
  const uint16_t f16[] = {0x3c00, 0x0001, 0xc000, 0x7bff};
  const uint16_t bf16[] = {0x3f80, 0x0001, 0xc000, 0xc2f7};
  TensorInfo a, b;
  a.name = "half";
  a.dtype = DType::kF16;
  a.shape = {2, 2};
  a.bytes = std::as_bytes(std::span(f16));
  b.name = "brain";
  b.dtype = DType::kBF16;
  b.shape = {4};
  b.bytes = std::as_bytes(std::span(bf16));
  const TensorInfo tensors[] = {a, b};
  TempDir dir;
  write_safetensors(dir.path() / "h.safetensors", tensors);
  const SafeTensorsFile file = SafeTensorsFile::open(dir.path() / "h.safetensors");
  EXPECT_EQ(file.read_f32("half", std::vector<int64_t>{2, 2}),
            (std::vector<float>{1.0f, 0x1p-24f, -2.0f, 65504.0f}));
  EXPECT_EQ(file.read_f32("brain", std::vector<int64_t>{4}),
            (std::vector<float>{1.0f, 0x1p-133f, -2.0f, -123.5f}));
}

// One entry: {"name":{"dtype":D,"shape":S,"data_offsets":O}}
std::string entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  const std::string& offsets) {
  return "\"" + name + "\":{\"dtype\":" + dtype + ",\"shape\":" + shape +
         ",\"data_offsets\":" + offsets + "}";
}

TEST(SafeTensors, RejectsMalformedFiles) {
  const std::string d8(8, '\0'), d12(12, '\0');
  const std::string ok = "{" + entry("wt7", "\"F32\"", "[2]", "[0,8]") + "}";
  // Sanity: the well-formed base opens.
  {
    TempDir dir;
    EXPECT_NO_THROW(SafeTensorsFile::open(dir.write("ok.safetensors", raw_file(ok, d8))));
  }
  expect_rejected(std::string(5, '\0'), "header length");
  expect_rejected(raw_file(ok, d8, 1000), "header length");
  expect_rejected(raw_file("{\"wt7\":", d8), "valid JSON");
  expect_rejected(raw_file("[1,2]"), "a JSON object");
  expect_rejected(raw_file("{\"wt7\":3}"), "wt7: expected an object");
  expect_rejected(raw_file("{" + entry("wt7", "\"F64\"", "[1]", "[0,8]") + "}", d8), "wt7.dtype");
  expect_rejected(raw_file("{" + entry("wt7", "7", "[2]", "[0,8]") + "}", d8), "wt7.dtype");
  expect_rejected(raw_file("{" + entry("wt7", "\"F32\"", "[-2]", "[0,8]") + "}", d8), "wt7.shape");
  expect_rejected(raw_file("{" + entry("wt7", "\"F32\"", "[1.5]", "[0,8]") + "}", d8), "wt7.shape");
  expect_rejected(raw_file("{" + entry("wt7", "\"F32\"", "\"2\"", "[0,8]") + "}", d8), "wt7.shape");
  expect_rejected(raw_file("{" + entry("wt7", "\"F32\"", "[3]", "[0,8]") + "}", d8),
                  "wt7: expected a byte count");
  expect_rejected(
      raw_file("{" + entry("wt7", "\"F32\"", "[4294967296,4294967296]", "[0,8]") + "}", d8),
      "wt7.shape: expected sizes whose product fits in 64 bits");
  expect_rejected(raw_file("{" + entry("wt7", "\"F32\"", "[4]", "[0,16]") + "}", d8),
                  "wt7.data_offsets");
  expect_rejected(raw_file("{" + entry("wt7", "\"F32\"", "[0]", "[8,0]") + "}", d8),
                  "wt7.data_offsets");
  expect_rejected(raw_file("{" + entry("wt7", "\"F32\"", "[2]", "[0]") + "}", d8),
                  "wt7.data_offsets");
  expect_rejected(raw_file("{" + entry("a", "\"F32\"", "[2]", "[0,8]") + "," +
                               entry("b", "\"F32\"", "[2]", "[4,12]") + "}",
                           d12),
                  "b.data_offsets");  // overlap
  expect_rejected(raw_file("{" + entry("a", "\"F32\"", "[1]", "[0,4]") + "," +
                               entry("b", "\"F32\"", "[1]", "[8,12]") + "}",
                           d12),
                  "b.data_offsets");  // gap
  expect_rejected(raw_file("{" + entry("a", "\"F32\"", "[1]", "[0,4]") + "}", d8),
                  "a.data_offsets");  // trailing bytes nobody owns
  expect_rejected(raw_file("{" + entry("wt7", "\"F32\"", "[1]", "[0,4]") + "," +
                               entry("wt7", "\"F32\"", "[1]", "[4,8]") + "}",
                           d8),
                  "header, wt7: expected each key once");  // duplicate name
  expect_rejected(raw_file(R"({"wt7":{"dtype":"F32","shape":[2]}})", d8), "wt7.data_offsets");
  expect_rejected(
      raw_file(R"({"wt7":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}})", d8),
      "wt7.dtype");
  expect_rejected(raw_file(R"({"wt7":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}})", d8),
                  "wt7.x");
  expect_rejected(raw_file(R"({"__metadata__":{"k":1},)" + ok.substr(1), d8), "__metadata__.k");
  expect_rejected(raw_file(R"({"__metadata__":[],)" + ok.substr(1), d8), "__metadata__");
}

// Regressions of issue 12: each input once crashed, hung or was silently accepted.
TEST(SafeTensors, RejectsDeepNestingWithoutCrashing) {
  const std::string d8(8, '\0');
  const std::string deep = std::string(70000, '[') + std::string(70000, ']');
  // A tensor entry, a shape element and a __metadata__ value nested 70,000 deep (140 KB).
  expect_rejected(raw_file("{\"wt7\":" + deep + "}", d8), "header: expected JSON nested at most");
  expect_rejected(raw_file("{" + entry("wt7", "\"F32\"", "[" + deep + "]", "[0,8]") + "}", d8),
                  "header: expected JSON nested at most");
  expect_rejected(raw_file("{\"__metadata__\":{\"k\":" + deep + "}}", d8),
                  "header: expected JSON nested at most");
}

TEST(SafeTensors, RejectsShapesWhoseCountsOverflowEvenWhenEmpty) {
  const std::string d0;
  // [2^62, 2^62, 0] has zero elements, but numel() would overflow on the way to the zero.
  expect_rejected(
      raw_file("{" +
               entry("wt7", "\"F32\"", "[4611686018427387904,4611686018427387904,0]", "[0,0]") +
               "}"),
      "wt7.shape: expected sizes whose product fits in 64 bits");
  // 2^62 F32 elements fit in 64 bits as a count but not as bytes.
  expect_rejected(raw_file("{" + entry("wt7", "\"F32\"", "[4611686018427387904]", "[0,0]") + "}"),
                  "wt7.shape");
  // An empty tensor whose other sizes are reasonable is fine.
  TempDir dir;
  const auto ok = dir.write("ok.safetensors",
                            raw_file("{" + entry("e", "\"F32\"", "[0,1000000]", "[0,0]") + "}"));
  EXPECT_EQ(SafeTensorsFile::open(ok).tensor("e").numel(), 0);
  TensorInfo huge;
  huge.name = "huge";
  huge.shape = {int64_t{1} << 62, int64_t{1} << 62, 0};
  EXPECT_THROW(huge.numel(), Error);
}

TEST(SafeTensors, RejectsBytesAfterANulInTheHeader) {
  const std::string ok = "{" + entry("wt7", "\"F32\"", "[2]", "[0,8]") + "}";
  expect_rejected(
      raw_file(ok + std::string(1, '\0') + "{\"hidden\": 1}", std::string(8, '\0')),
      "header: expected valid JSON, found a NUL byte at offset " + std::to_string(ok.size()));
}

TEST(SafeTensors, RefusesAFifoInsteadOfWaitingForAWriter) {
  TempDir dir;
  const auto fifo = dir.path() / "model.safetensors";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  try {
    SafeTensorsFile::open(fifo);
    ADD_FAILURE() << "a FIFO was opened";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), fifo.string() + ": expected a regular file, found a FIFO");
  }
}

TEST(SafeTensors, RefusesNonFiniteDenseWeights) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> with_nan = {1, nan, 3}, with_inf = {1, 2, -inf};
  const std::vector<uint16_t> f16_inf = {0x3c00, 0x7c00}, bf16_nan = {0x3f80, 0x7fc0};
  TensorInfo h{"half", DType::kF16, {2}, std::as_bytes(std::span(f16_inf))};
  TensorInfo b{"brain", DType::kBF16, {2}, std::as_bytes(std::span(bf16_nan))};
  const TensorInfo tensors[] = {f32_tensor("w_nan", {3}, with_nan),
                                f32_tensor("w_inf", {3}, with_inf), h, b};
  TempDir dir;
  const auto path = dir.path() / "model.safetensors";
  write_safetensors(path, tensors);
  const SafeTensorsFile file = SafeTensorsFile::open(path);
  for (const auto& [name, shape, found] :
       std::vector<std::tuple<std::string, std::vector<int64_t>, std::string>>{
           {"w_nan", {3}, "nan at index 1"},
           {"w_inf", {3}, "-inf at index 2"},
           {"half", {2}, "inf at index 1"},
           {"brain", {2}, "nan at index 1"}}) {
    try {
      file.read_f32(name, shape);
      ADD_FAILURE() << name << " was read";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()),
                path.string() + ": " + name + ": expected finite values, found " + found);
    }
  }
}

// Found by the fuzz corpus replay under UBSan: memcpy(nullptr, ..., 0) for an empty tensor.
TEST(SafeTensors, ReadsEmptyTensors) {
  const std::string bytes = raw_file("{" + entry("e", "\"F32\"", "[0,4]", "[0,0]") + "," +
                                     entry("h", "\"F16\"", "[3,0]", "[0,0]") + "}");
  const SafeTensorsFile file = SafeTensorsFile::parse(bytes, "empty.safetensors");
  EXPECT_TRUE(file.read_f32("e", std::vector<int64_t>{0, 4}).empty());
  EXPECT_TRUE(file.read_f32("h", std::vector<int64_t>{3, 0}).empty());
}

TEST(SafeTensors, ParsesBytesInMemoryLikeAFile) {
  const std::string bytes = raw_file("{" + entry("wt7", "\"F32\"", "[2]", "[0,8]") + "}",
                                     std::string("\0\0\x80\x3f\0\0\0\x40", 8));
  const SafeTensorsFile file = SafeTensorsFile::parse(bytes, "mem.safetensors");
  EXPECT_EQ(file.read_f32("wt7", std::vector<int64_t>{2}), (std::vector<float>{1.0f, 2.0f}));
  try {
    SafeTensorsFile::parse(std::string(3, 'x'), "mem.safetensors");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "mem.safetensors: header length: expected at least 8 bytes in the file, found 3 "
                 "bytes");
  }
}

TEST(SafeTensors, RejectsMissingFile) {
  TempDir dir;
  EXPECT_THROW(SafeTensorsFile::open(dir.path() / "none.safetensors"), Error);
}

TEST(SafeTensors, WriterRejectsInconsistentTensors) {
  const float values[] = {1, 2, 3};
  TempDir dir;
  const auto path = dir.path() / "w.safetensors";
  const TensorInfo short_bytes = f32_tensor("a", {4}, values);
  EXPECT_THROW(write_safetensors(path, std::span(&short_bytes, 1)), Error);
  const TensorInfo twice[] = {f32_tensor("a", {3}, values), f32_tensor("a", {3}, values)};
  EXPECT_THROW(write_safetensors(path, twice), Error);
  const TensorInfo reserved = f32_tensor("__metadata__", {3}, values);
  EXPECT_THROW(write_safetensors(path, std::span(&reserved, 1)), Error);
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace fitformer::io

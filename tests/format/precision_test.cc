// The one precision type (moved here with its test from runtime/score): its names round-trip
// and an unknown one is refused listing them,
// and each precision stores the value type and bytes the format, runtime and accelerator use.
#include "format/precision.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace fitformer::format {
namespace {

TEST(Precision, NamesRoundTripAndUnknownOnesAreRefused) {
  for (const Precision p : {Precision::kFp32, Precision::kInt16, Precision::kInt8})
    EXPECT_EQ(parse_precision(precision_name(p)), p);
  try {
    parse_precision("int4");
    FAIL() << "int4 parsed";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.field(), "precision");
    EXPECT_NE(what.find("fp32, int16, int8"), std::string::npos) << what;
    EXPECT_NE(what.find("int4"), std::string::npos) << what;
  }
  EXPECT_THROW(parse_precision("f32"), Error);  // the HPF value type's name is not a precision
}

TEST(Precision, StoredTypesAndWidths) {
  EXPECT_EQ(precision_value_type(Precision::kFp32), ValueType::kF32);
  EXPECT_EQ(precision_value_type(Precision::kInt16), ValueType::kI16);
  EXPECT_EQ(precision_value_type(Precision::kInt8), ValueType::kI8);
  EXPECT_EQ(precision_bytes(Precision::kFp32), 4);
  EXPECT_EQ(precision_bytes(Precision::kInt16), 2);
  EXPECT_EQ(precision_bytes(Precision::kInt8), 1);
  EXPECT_EQ(precision_qmax(Precision::kInt8), 127);
  EXPECT_EQ(precision_qmax(Precision::kInt16), 32767);
  EXPECT_EQ(precision_qmax(Precision::kFp32), 0);
}

}  // namespace
}  // namespace fitformer::format

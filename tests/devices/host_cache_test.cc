// The host-measurement cache (issue 12): a corrupt entry (another JSON type, a latency of -1
// or 1e308, a truncated file, something that is not a file) is a miss that is measured again
// and rewritten; it is never an error and never returned as a measurement.
#include "devices/host_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "common/catalog_device.h"
#include "common/temp_dir.h"
#include "devices/model_shapes.h"
#include "devices/predict.h"

namespace fitformer::devices {
namespace {

namespace fs = std::filesystem;

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The fields of a cache entry as JSON text; the defaults are what write_host_measurement
// writes for device "host", so each corrupt case below differs from a valid entry in the fields
// it names. An empty field is left out; `extra` follows the others.
struct EntryFields {
  std::string device = R"("host")", median = "250.5", min = "240.0", reps = "7",
              provenance = R"("measured")", extra = "";
};

std::string entry_text(const EntryFields& f) {
  std::string text;
  for (const auto& [key, value] : {std::pair<const char*, const std::string&>{"device", f.device},
                                   {"median_us", f.median},
                                   {"min_us", f.min},
                                   {"reps", f.reps},
                                   {"provenance", f.provenance}}) {
    if (!value.empty())
      text += (text.empty() ? "" : ", ") + std::string("\"") + key + "\": " + value;
  }
  if (!f.extra.empty()) text += ", " + f.extra;
  return "{" + text + "}";
}

const std::string kValid = entry_text({});

struct Corrupt {
  const char* what;
  std::string text;
};

std::vector<Corrupt> corrupt_entries() {
  return {
      {"empty file", ""},
      {"truncated", kValid.substr(0, kValid.size() / 2)},
      {"not JSON", "median_us=3"},
      {"an array", "[250.5, 7]"},
      {"a number", "250.5"},
      {"median_us a string (was exit 3)", entry_text({.median = R"("fast")"})},
      {"median_us an object", entry_text({.median = R"({"a": 1})"})},
      {"median_us null", entry_text({.median = "null"})},
      {"median_us -1 (was shown as measured)", entry_text({.median = "-1", .min = "-1"})},
      {"median_us 0", entry_text({.median = "0", .min = "0"})},
      {"median_us 1e308 (was shown as measured)", entry_text({.median = "1e308"})},
      {"median_us 1e999 (parses as inf)", entry_text({.median = "1e999"})},
      {"min_us above the median", entry_text({.min = "900.0"})},
      {"reps a string", entry_text({.reps = R"("7")"})},
      {"reps 0", entry_text({.reps = "0"})},
      {"reps -3", entry_text({.reps = "-3"})},
      {"reps 1.5", entry_text({.reps = "1.5"})},
      {"reps 2^64 - 1", entry_text({.reps = "18446744073709551615"})},
      {"reps missing", entry_text({.reps = ""})},
      {"another device", entry_text({.device = R"("rpi4")"})},
      {"labelled modeled", entry_text({.provenance = R"("modeled")"})},
      {"an unknown field", entry_text({.extra = R"("x": 1)"})},
      // The first value is out of bounds, the last valid: a reader keeping either is wrong.
      {"a key repeated", entry_text({.median = "1e308", .extra = R"("median_us": 250.5)"})},
      {"nested 70,000 deep", std::string(70000, '[') + std::string(70000, ']')},
      {"a NUL byte", kValid + std::string(1, '\0') + "junk"},
  };
}

TEST(HostCache, WrittenEntryReadsBack) {
  testing::TempDir dir;
  const fs::path file = dir.path() / "devices" / "k.json";
  write_host_measurement(file, "host", {.median_us = 250.5, .min_us = 240, .reps = 7});
  const auto m = read_host_measurement(file, "host");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->median_us, 250.5);
  EXPECT_EQ(m->min_us, 240);
  EXPECT_EQ(m->reps, 7);
  // The hand-written valid text the corrupt cases are made from reads too, so each case
  // below is refused for its own defect.
  write_text(file, kValid);
  ASSERT_TRUE(read_host_measurement(file, "host").has_value());
  EXPECT_EQ(read_host_measurement(file, "host")->median_us, 250.5);
}

TEST(HostCache, CorruptEntriesAreMisses) {
  testing::TempDir dir;
  const fs::path file = dir.path() / "k.json";
  for (const Corrupt& c : corrupt_entries()) {
    write_text(file, c.text);
    EXPECT_FALSE(read_host_measurement(file, "host").has_value()) << c.what;
  }
  EXPECT_FALSE(read_host_measurement(dir.path() / "absent.json", "host").has_value());
  fs::create_directory(dir.path() / "folder.json");
  EXPECT_FALSE(read_host_measurement(dir.path() / "folder.json", "host").has_value());
  ASSERT_EQ(::mkfifo((dir.path() / "fifo.json").c_str(), 0600), 0);
  EXPECT_FALSE(read_host_measurement(dir.path() / "fifo.json", "host").has_value())
      << "a FIFO is refused without waiting for a writer";
}

// Through predict_latency, as `select` and `devices predict` use it: each corrupt entry is
// measured again (a positive, bounded figure, not the file's), and the entry is rewritten so
// that the next call is a hit.
TEST(HostCache, PredictMeasuresAgainOverACorruptEntry) {
  testing::TempDir dir;
  const io::DeviceSpec& host = testing::catalog_device("host");
  ASSERT_TRUE(host.is_host);
  PredictOptions o;
  o.cache_dir = dir.path();
  o.timing = {.warmup = 0, .min_reps = 1, .min_seconds = 0, .max_reps = 1};
  const CandidateModel m = tiny_model();
  ASSERT_FALSE(predict_latency(host, m, o).from_cache);
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(dir.path() / "devices")) files.push_back(f.path());
  ASSERT_EQ(files.size(), 1u);
  const fs::path file = files[0];
  ASSERT_TRUE(predict_latency(host, m, o).from_cache);

  const std::string device_id = host.id;
  const std::string device = "\"" + host.id + "\"";
  const std::string whole = entry_text({.device = device, .median = "5"});
  for (const std::string& entry :
       {entry_text({.device = device, .median = R"("fast")", .min = "1"}),
        entry_text({.device = device, .median = "-1", .min = "-1"}),
        entry_text({.device = device, .median = "1e308", .min = "1"}),
        whole.substr(0, whole.find(R"("min_us")"))}) {
    write_text(file, entry);
    const Prediction e = predict_latency(host, m, o);
    EXPECT_FALSE(e.from_cache) << entry;
    EXPECT_EQ(e.provenance, Provenance::kMeasured);
    EXPECT_GT(e.latency_us, 0) << entry;
    EXPECT_LE(e.latency_us, kMaxHostLatencyUs) << entry;
    EXPECT_GE(e.reps, 1) << entry;
    EXPECT_NE(read_text(file), entry) << "the corrupt entry is replaced";
    const auto again = read_host_measurement(file, device_id);
    ASSERT_TRUE(again.has_value()) << entry;
    EXPECT_EQ(again->median_us, e.latency_us);
    EXPECT_TRUE(predict_latency(host, m, o).from_cache) << entry;
  }
}

}  // namespace
}  // namespace fitformer::devices

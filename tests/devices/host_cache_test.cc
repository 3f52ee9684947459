// The host-measurement cache (issue 12): a corrupt entry (another JSON type, a latency of -1
// or 1e308, a truncated file, something that is not a file) is a miss that is measured again
// and rewritten; it is never an error and never returned as a measurement.
#include "devices/host_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/temp_dir.h"
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

// What write_host_measurement writes for device "host", as text, so each corrupt case below
// differs from a valid entry in one way.
const char* const kValid =
    R"({"device": "host", "median_us": 250.5, "min_us": 240.0, "reps": 7, "provenance": "measured"})";

struct Corrupt {
  const char* what;
  std::string text;
};

std::vector<Corrupt> corrupt_entries() {
  const std::string valid = kValid;
  return {
      {"empty file", ""},
      {"truncated", valid.substr(0, valid.size() / 2)},
      {"not JSON", "median_us=3"},
      {"an array", "[250.5, 7]"},
      {"a number", "250.5"},
      {"median_us a string (was exit 3)",
       R"({"device": "host", "median_us": "fast", "min_us": 240.0, "reps": 7, "provenance": "measured"})"},
      {"median_us an object",
       R"({"device": "host", "median_us": {"a": 1}, "min_us": 240.0, "reps": 7, "provenance": "measured"})"},
      {"median_us null",
       R"({"device": "host", "median_us": null, "min_us": 240.0, "reps": 7, "provenance": "measured"})"},
      {"median_us -1 (was shown as measured)",
       R"({"device": "host", "median_us": -1, "min_us": -1, "reps": 7, "provenance": "measured"})"},
      {"median_us 0",
       R"({"device": "host", "median_us": 0, "min_us": 0, "reps": 7, "provenance": "measured"})"},
      {"median_us 1e308 (was shown as measured)",
       R"({"device": "host", "median_us": 1e308, "min_us": 240.0, "reps": 7, "provenance": "measured"})"},
      {"median_us 1e999 (parses as inf)",
       R"({"device": "host", "median_us": 1e999, "min_us": 240.0, "reps": 7, "provenance": "measured"})"},
      {"min_us above the median",
       R"({"device": "host", "median_us": 250.5, "min_us": 900.0, "reps": 7, "provenance": "measured"})"},
      {"reps a string",
       R"({"device": "host", "median_us": 250.5, "min_us": 240.0, "reps": "7", "provenance": "measured"})"},
      {"reps 0",
       R"({"device": "host", "median_us": 250.5, "min_us": 240.0, "reps": 0, "provenance": "measured"})"},
      {"reps -3",
       R"({"device": "host", "median_us": 250.5, "min_us": 240.0, "reps": -3, "provenance": "measured"})"},
      {"reps 1.5",
       R"({"device": "host", "median_us": 250.5, "min_us": 240.0, "reps": 1.5, "provenance": "measured"})"},
      {"reps 2^64 - 1",
       R"({"device": "host", "median_us": 250.5, "min_us": 240.0, "reps": 18446744073709551615, "provenance": "measured"})"},
      {"reps missing",
       R"({"device": "host", "median_us": 250.5, "min_us": 240.0, "provenance": "measured"})"},
      {"another device",
       R"({"device": "rpi4", "median_us": 250.5, "min_us": 240.0, "reps": 7, "provenance": "measured"})"},
      {"labelled modeled",
       R"({"device": "host", "median_us": 250.5, "min_us": 240.0, "reps": 7, "provenance": "modeled"})"},
      {"an unknown field",
       R"({"device": "host", "median_us": 250.5, "min_us": 240.0, "reps": 7, "provenance": "measured", "x": 1})"},
      {"a key repeated",
       R"({"device": "host", "median_us": 1e308, "median_us": 250.5, "min_us": 240.0, "reps": 7, "provenance": "measured"})"},
      {"nested 70,000 deep", std::string(70000, '[') + std::string(70000, ']')},
      {"a NUL byte", std::string(kValid) + std::string(1, '\0') + "junk"},
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

CandidateModel tiny_model() {
  CandidateModel m;
  m.config = io::default_model_config(io::ModelFamily::kCausalLm);
  m.config.vocab_size = 64;
  m.config.hidden_size = 64;
  m.config.num_hidden_layers = 1;
  m.config.num_attention_heads = 2;
  m.config.intermediate_size = 128;
  m.candidate.plan.sparsity = 0.75;
  m.seq = 16;
  return m;
}

// Through predict_latency, as `select` and `devices predict` use it: each corrupt entry is
// measured again (a positive, bounded figure, not the file's), and the entry is rewritten so
// that the next call is a hit.
TEST(HostCache, PredictMeasuresAgainOverACorruptEntry) {
  testing::TempDir dir;
  const std::vector<io::DeviceSpec> catalog = io::load_catalog(io::default_catalog_path());
  const auto host = std::find_if(catalog.begin(), catalog.end(),
                                 [](const io::DeviceSpec& d) { return d.is_host; });
  ASSERT_NE(host, catalog.end());
  PredictOptions o;
  o.cache_dir = dir.path();
  o.timing = {.warmup = 0, .min_reps = 1, .min_seconds = 0, .max_reps = 1};
  const CandidateModel m = tiny_model();
  ASSERT_FALSE(predict_latency(*host, m, o).from_cache);
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(dir.path() / "devices")) files.push_back(f.path());
  ASSERT_EQ(files.size(), 1u);
  const fs::path file = files[0];
  ASSERT_TRUE(predict_latency(*host, m, o).from_cache);

  const std::string device_id = host->id;
  for (
      const char* text :
      {R"({"device": "DEV", "median_us": "fast", "min_us": 1, "reps": 7, "provenance": "measured"})",
       R"({"device": "DEV", "median_us": -1, "min_us": -1, "reps": 7, "provenance": "measured"})",
       R"({"device": "DEV", "median_us": 1e308, "min_us": 1, "reps": 7, "provenance": "measured"})",
       R"({"device": "DEV", "median_us": 5,)"}) {
    std::string entry = text;
    entry.replace(entry.find("DEV"), 3, device_id);
    write_text(file, entry);
    const Prediction e = predict_latency(*host, m, o);
    EXPECT_FALSE(e.from_cache) << entry;
    EXPECT_EQ(e.provenance, Provenance::kMeasured);
    EXPECT_GT(e.latency_us, 0) << entry;
    EXPECT_LE(e.latency_us, kMaxHostLatencyUs) << entry;
    EXPECT_GE(e.reps, 1) << entry;
    EXPECT_NE(read_text(file), entry) << "the corrupt entry is replaced";
    const auto again = read_host_measurement(file, device_id);
    ASSERT_TRUE(again.has_value()) << entry;
    EXPECT_EQ(again->median_us, e.latency_us);
    EXPECT_TRUE(predict_latency(*host, m, o).from_cache) << entry;
  }
}

}  // namespace
}  // namespace fitformer::devices

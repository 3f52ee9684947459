// Draws the bar at most ten times a second with a carriage return, or logs a line per interval.
#include "core/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace fitformer {
namespace {

std::string format_duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "--:--";
  const auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{:02}:{:02}", s / 60, s % 60);
}

std::string format_count(double x) {
  if (x >= 1e9) return fmt::format("{:.1f}G", x / 1e9);
  if (x >= 1e6) return fmt::format("{:.1f}M", x / 1e6);
  if (x >= 1e4) return fmt::format("{:.1f}k", x / 1e3);
  return fmt::format("{:.0f}", x);
}

}  // namespace

Progress::Progress(std::string label, uint64_t total, std::string unit, bool enabled)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  finish();
}

bool Progress::terminal_attached() {
  return ::isatty(STDERR_FILENO) == 1;
}

void Progress::advance(uint64_t n) {
  done_ += n;
  draw(false);
}

void Progress::set_note(std::string note) {
  note_ = std::move(note);
}

void Progress::resume_from(uint64_t done) {
  done_ = done;
  resumed_at_ = std::min(done, total_ > 0 ? total_ : done);
  draw(false);
}

void Progress::log_every(std::chrono::seconds interval) {
  log_interval_ = interval;
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_ && log_interval_.count() == 0) return;
  draw(true);
  if (enabled_) std::fputc('\n', stderr);
}

void Progress::draw(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (enabled_) {
    if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::fprintf(stderr, "\r%s\x1b[K", text().c_str());
  } else {
    if (log_interval_.count() == 0 || (!force && now - last_draw_ < log_interval_)) return;
    last_draw_ = now;
    std::fprintf(stderr, "%s\n", text().c_str());
  }
  std::fflush(stderr);
}

std::string Progress::text() const {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const uint64_t this_run = done_ - std::min(done_, resumed_at_);
  const double rate = elapsed > 0 ? static_cast<double>(this_run) / elapsed : 0.0;
  std::string line = label_;
  if (total_ > 0) {
    const double frac = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(frac * kWidth);
    const double eta = rate > 0 ? static_cast<double>(total_ - std::min(done_, total_)) / rate : -1;
    line += fmt::format(" [{}{}] {:3.0f}% {}/{} {} {}/s ETA {}", std::string(filled, '#'),
                        std::string(kWidth - filled, '.'), frac * 100, format_count(done_),
                        format_count(total_), unit_, format_count(rate), format_duration(eta));
  } else {
    line += fmt::format(" {} {} {}/s {}", format_count(done_), unit_, format_count(rate),
                        format_duration(elapsed));
  }
  if (!note_.empty()) line += "  " + note_;
  return line;
}

}  // namespace fitformer

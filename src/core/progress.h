// A progress bar with rate and ETA for long steps. It draws on stderr only when stderr is a
// terminal, so logs and pipes stay clean; library code takes a Progress* that may be null.
// A job that runs for hours with stderr in a log file (a full training run under nohup) asks
// for a plain line at an interval instead (log_every).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace fitformer {

class Progress {
 public:
  // total may be 0 when unknown (then no ETA). unit names what is counted ("files", "tok").
  Progress(std::string label, uint64_t total, std::string unit, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(uint64_t n = 1);
  // Starts a resumed job at `done`: the rate and ETA count only what this run does.
  void resume_from(uint64_t done);
  // Free text drawn after the counters (a loss, say).
  void set_note(std::string note);
  void finish();
  // When the bar is not drawn, write the same text as one line to stderr every `interval`
  // (and once at finish), so a log shows how far a long run got and its ETA.
  void log_every(std::chrono::seconds interval);

  // True when stderr is a terminal.
  static bool terminal_attached();

 private:
  void draw(bool force);
  std::string text() const;

  std::string label_, unit_, note_;
  uint64_t total_, done_ = 0, resumed_at_ = 0;
  bool enabled_, finished_ = false;
  std::chrono::seconds log_interval_{0};
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// Calls p->advance(n) if p is not null.
inline void advance(Progress* p, uint64_t n = 1) {
  if (p != nullptr) p->advance(n);
}

}  // namespace fitformer

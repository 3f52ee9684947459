// `fitformer rtl emit`: writes the RTL of the accelerator a `select` run sized (accel/rtl_emit.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "accel/rtl_emit.h"

namespace fitformer::cli {
namespace {

struct RtlEmitOptions {
  std::string accelerator;
  std::string out;
};

void run_rtl_emit(const RtlEmitOptions& o) {
  const auto written = accel::emit_rtl(o.accelerator, o.out);
  for (const auto& path : written) std::printf("%s\n", path.string().c_str());
  std::printf("rtl emit: %zu files in %s (top module hpa_sized_top; see README.md)\n",
              written.size(), o.out.c_str());
}

}  // namespace

void add_rtl_command(CLI::App& app) {
  CLI::App* rtl = app.add_subcommand("rtl", "The accelerator's RTL (SystemVerilog)");
  rtl->require_subcommand(1);
  auto o = std::make_shared<RtlEmitOptions>();
  CLI::App* emit = rtl->add_subcommand(
      "emit", "Write the RTL sized by `select` (top level, file list, README, sources)");
  emit->add_option("--accelerator", o->accelerator, "accelerator.json written by select")
      ->required()
      ->check(CLI::ExistingFile);
  emit->add_option("--out", o->out, "Folder to write")->required();
  emit->callback([o] { run_rtl_emit(*o); });
}

}  // namespace fitformer::cli

// Each subcommand registers itself on the app; its callback runs the job and may throw Error.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "jobs/workspace.h"

namespace fitformer::cli {

// Options every subcommand sees.
struct GlobalOptions {
  jobs::Workspace workspace;
};

// The folders the jobs of a command read and write.
inline jobs::Workspace workspace_of(const GlobalOptions& global) {
  return global.workspace;
}

void add_data_command(CLI::App& app, const GlobalOptions& global);
void add_devices_command(CLI::App& app, const GlobalOptions& global);
void add_train_command(CLI::App& app, const GlobalOptions& global);
void add_prune_command(CLI::App& app, const GlobalOptions& global);
void add_eval_command(CLI::App& app, const GlobalOptions& global);
void add_bench_command(CLI::App& app);
void add_predict_command(CLI::App& app, const GlobalOptions& global);
void add_simulate_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_rtl_command(CLI::App& app);
// `command` is the command line as typed, quoted where needed, for the report.
void add_select_command(CLI::App& app, const GlobalOptions& global, const std::string& command);

}  // namespace fitformer::cli

// Renders the select result JSON as report.html: the result read into plain structs
// (result_read.h), the three gnuplot figures drawn (plots.h), then the page, whose answer says
// why each cheaper device lost (why_not.h).
#include "report/html.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/files.h"
#include "report/plots.h"
#include "report/result_read.h"
#include "report/why_not.h"
#include "report/wording.h"

namespace fitformer::report {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// Text in HTML

std::string html(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

// Counts (LUTs, prices) print whole, as "117120" rather than "1.171e+05"; the rest to 4
// significant digits.
std::string number(std::optional<double> v, std::string_view unit = {}) {
  if (!v) return "—";
  const bool whole = *v == std::floor(*v) && std::fabs(*v) < 1e12;
  const std::string digits = whole ? fmt::format("{:.0f}", *v) : fmt::format("{:.4g}", *v);
  return unit.empty() ? digits : digits + " " + std::string(unit);
}

// A provenance badge; only the three known labels become CSS classes.
std::string badge(std::string_view provenance) {
  if (provenance.empty()) return "<span class=\"prov\">unlabelled</span>";
  const bool known =
      provenance == "measured" || provenance == "simulated" || provenance == "modeled";
  return fmt::format("<span class=\"prov{}{}\">{}</span>", known ? " " : "",
                     known ? provenance : "", html(provenance));
}

// ---------------------------------------------------------------------------------------
// The page

constexpr std::string_view kStyle = R"(
body { font: 15px/1.45 system-ui, sans-serif; color: #222; max-width: 70rem; margin: 2rem auto;
       padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; margin-top: 2rem;
  border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.answer { padding: 1rem 1.2rem; border-radius: 6px; border: 1px solid; }
.answer.yes { background: #eef8ee; border-color: #7bbf7b; }
.answer.no { background: #fbeeee; border-color: #d08a8a; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { padding: .25rem .6rem;
  border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.chosen { background: #eef8ee; font-weight: 600; }
.prov { font-size: .75rem; padding: 0 .35rem; border-radius: 3px; background: #eee;
        color: #444; white-space: nowrap; }
.prov.measured { background: #dcefdc; color: #225522; }
.prov.simulated { background: #dde6f6; color: #223366; }
.prov.modeled { background: #f6ecd8; color: #664411; }
.ok { color: #1a7a1a; } .fail { color: #b02020; } .warn { color: #b06000; font-weight: 600; }
.answer table { background: #fff; font-size: .92rem; } .answer h3 { font-size: 1rem; margin: .8rem 0 .2rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9rem; }
pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
)";

std::string device_name(const Result& r, std::string_view id) {
  for (const auto& d : r.devices) {
    if (d.id == id) return d.name;
  }
  return std::string(id);
}

// Which modeled assumption, moved, would change the answer (explore/sensitivity.h).
void write_sensitivity(const Result& r, std::string& out) {
  if (r.sensitivity.empty()) return;
  out +=
      "<p>How the answer rests on estimates: the selection redone on the same candidates with one "
      "assumption moved.</p>\n<table>\n<tr><th>Assumption</th><th>Answer"
      "</th><th>Latency</th><th>The chosen device under it</th></tr>\n";
  for (const SensitivityRow& s : r.sensitivity) {
    const std::string answer =
        s.feasible ? html(device_name(r, s.device)) : std::string("no device");
    std::string chosen = "—";
    if (s.chosen_latency_us) {
      chosen = fmt::format("{} {} ({})", latency(*s.chosen_latency_us), badge(s.chosen_provenance),
                           s.chosen_meets_lc ? "<span class=\"ok\">meets LC</span>"
                                             : "<span class=\"fail\">misses LC</span>");
    }
    out += fmt::format(
        "<tr><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>\n", html(s.assumption),
        s.changes_choice ? "<strong>changes to</strong> " : "", answer,
        s.latency_us ? latency(*s.latency_us) + " " + badge(s.provenance) : "—", chosen);
  }
  out += "</table>\n";
}

// A statement against AC, coloured: met, met or missed within noise (a warning), missed.
std::string standing_html(std::string_view text) {
  const char* level =
      text.find("inside") != std::string_view::npos || text.find("noise") != std::string_view::npos
          ? "warn"
      : text.starts_with("meets") ? "ok"
                                  : "fail";
  return fmt::format("<span class=\"{}\">{}</span>", level, html(text));
}

// The cheaper devices (every device when none was chosen) and why each lost, by price.
void write_why_not(const Result& r, std::string& out) {
  const std::vector<const Device*> devices = devices_to_explain(r);
  if (devices.empty()) {
    if (r.feasible) out += "<p>No device is cheaper.</p>\n";
    return;
  }
  out += fmt::format(
      "<h3>{}</h3>\n<table class=\"why\">\n<tr><th>Device</th><th class=\"n\">System price</th>"
      "<th>Verdict</th><th>Why</th><th>Its model against AC (95 % interval)</th></tr>\n",
      r.feasible ? "Why not a cheaper device (cheapest first)"
                 : "Why each device lost (cheapest first)");
  for (const Device* d : devices) {
    const Explanation e = explain(r, *d);
    out += fmt::format(
        "<tr><td>{}<br/><small>{}</small></td><td class=\"n\">{}</td><td class=\"{}\">{}</td>"
        "<td>{}</td><td>{}</td></tr>\n",
        html(d->name), html(d->id), number(d->system_price_usd, "USD"),
        e.verdict.starts_with("not ") ? "" : "fail", html(e.verdict), html(e.text),
        e.against_ac.empty() ? "—" : standing_html(e.against_ac));
  }
  out += "</table>\n";
}

void write_answer(const Result& r, std::string& out) {
  if (r.feasible && r.chosen) {
    const Best& b = *r.chosen;
    const Device* device = nullptr;
    for (const auto& d : r.devices) {
      if (d.id == r.chosen_device) device = &d;
    }
    const Candidate* c = find_candidate(r, b.candidate);
    out += fmt::format(
        "<div class=\"answer yes\"><p><strong>{}</strong> ({}) runs the model in "
        "<strong>{}</strong> "
        "{} within LC {}.</p>\n<ul>\n<li>Model: {}</li>\n",
        html(device_name(r, r.chosen_device)), html(r.chosen_device), latency(b.latency_us),
        badge(b.provenance), latency(r.lc_us), html(candidate_text(r, b.candidate)));
    if (c) {
      out += fmt::format("<li>{}: {} {}, against AC {}: {}</li>\n", html(metric_label(r.metric)),
                         html(value_with_interval(c->value, c->interval)), badge(c->provenance),
                         html(r.ac), standing_html(against_ac(c)));
      if (c->standing == explore::AcStanding::kMeetsWithinNoise)
        out +=
            "<li>The choice rests on a point estimate within the noise of the valid split: "
            "another sample of it could put this model on the other side of AC.</li>\n";
    }
    if (device) {
      const bool needs_host = device->system_price_usd && device->price_usd &&
                              *device->system_price_usd > *device->price_usd;
      out += fmt::format("<li>Price {}{}, power {}</li>\n", number(device->price_usd, "USD"),
                         needs_host ? fmt::format(" ({} with the host system it needs)",
                                                  number(device->system_price_usd, "USD"))
                                    : std::string(),
                         number(device->power_w, "W"));
    }
    if (r.lc_margin) {
      out += fmt::format("<li>Margin: {:.1f} % below LC {}</li>\n", 100 * *r.lc_margin,
                         badge(b.provenance));
    }
    out += "</ul>\n";
    write_why_not(r, out);
    out += "</div>\n";
    write_sensitivity(r, out);
    return;
  }
  out += fmt::format(
      "<div class=\"answer no\"><p><strong>No device meets both</strong> LC {} and AC {}.</p>\n",
      latency(r.lc_us), html(r.ac));
  if (r.nearest.empty()) {
    out += "<p>No nearest feasible point was recorded.</p>\n";
  } else {
    out += "<p>The nearest points that meet one constraint:</p>\n<ul>\n";
    for (const auto& n : r.nearest) {
      const Candidate* c =
          n.candidate ? find_candidate(r, static_cast<long>(*n.candidate)) : nullptr;
      out += fmt::format(
          "<li>{}: <strong>{}</strong>, {}, latency {}, {} {}</li>\n", html(n.what),
          html(device_name(r, n.device)),
          n.candidate ? html(candidate_text(r, static_cast<long>(*n.candidate))) : "—",
          n.latency_us ? latency(*n.latency_us) + " " +
                             badge(n.provenance.empty() ? "modeled" : n.provenance)
                       : "—",
          html(metric_name(r.metric)),
          n.metric ? number(n.metric) + " " + badge(c ? c->provenance : "measured") : "—");
    }
    out += "</ul>\n";
  }
  write_why_not(r, out);
  out += "</div>\n";
}

void write_constraints(const Result& r, std::string& out) {
  out += fmt::format(
      "<h2>2. Constraints</h2>\n<table>\n"
      "<tr><th>Latency (LC)</th><td class=\"n\">{:g} µs ({})</td></tr>\n"
      "<tr><th>Accuracy (AC)</th><td class=\"n\">{}</td></tr>\n"
      "<tr><th>Dense model, fp32: {}</th><td class=\"n\">{}{} {}</td></tr>\n"
      "<tr><th>Objective</th><td class=\"n\">cheapest by {}</td></tr>\n"
      "<tr><th>Batch × sequence</th><td class=\"n\">{} × {}</td></tr>\n"
      "<tr><th>Task, recipe, profile</th><td class=\"n\">{}, {}, {}</td></tr>\n</table>\n",
      r.lc_us, latency(r.lc_us), html(r.ac), html(metric_label(r.metric)), number(r.dense_fp32),
      r.dense_fp32_interval ? fmt::format(" (95 % interval {:.4g}–{:.4g})",
                                          r.dense_fp32_interval->low, r.dense_fp32_interval->high)
                            : std::string(),
      r.dense_fp32 ? badge(r.dense_provenance) : std::string(), html(r.objective), number(r.batch),
      number(r.seq), html(r.task), html(r.recipe), html(r.profile));
}

void write_figure(const std::optional<Figure>& figure, std::string_view heading,
                  std::string_view missing, std::string& out) {
  out += fmt::format("<h2>{}</h2>\n", heading);
  if (!figure) {
    out += fmt::format("<p>{}</p>\n", missing);
    return;
  }
  out += fmt::format(
      "<figure><img src=\"plots/{0}.svg\" alt=\"{1}\"/>\n<figcaption>{1} Numbers: {2}. "
      "Data and script: plots/{0}.dat, plots/{0}.gp.</figcaption></figure>\n",
      figure->name, html(figure->caption), badge(figure->provenance));
}

// Every candidate's metric with its interval and where it stands against AC.
void write_candidates(const Result& r, std::string& out) {
  if (r.candidates.empty()) return;
  out += fmt::format(
      "<p>Every candidate, {} on the valid split with its 95 % interval:</p>\n<table>\n"
      "<tr><th class=\"n\">#</th><th>Model</th><th class=\"n\">{}</th>"
      "<th class=\"n\">95 % interval</th><th>Against AC {}</th></tr>\n",
      html(metric_name(r.metric)), html(r.metric), html(r.ac));
  for (const Candidate& c : r.candidates) {
    const std::string interval =
        c.interval ? fmt::format("{:.4g}–{:.4g} <small>({} over {})</small>", c.interval->low,
                                 c.interval->high, html(c.interval->method), c.interval->units)
                   : std::string("—");
    out += fmt::format(
        "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{:.4g} {}</td>"
        "<td class=\"n\">{}</td><td>{}</td></tr>\n",
        c.index, html(candidate_text(r, c.index)), c.value, badge(c.provenance), interval,
        standing_html(against_ac(&c)));
  }
  out += "</table>\n";
  if (!r.interval_basis.empty())
    out += fmt::format("<p>Intervals: {}.</p>\n", html(r.interval_basis));
}

void write_devices(const Result& r, std::string& out) {
  out +=
      "<h2>6. Every device</h2>\n<table>\n<tr><th>Device</th><th>Kind</th><th>Tier</th>"
      "<th class=\"n\">Price</th><th class=\"n\">With host</th><th class=\"n\">Power</th>"
      "<th class=\"n\">Best latency</th>"
      "<th>Model</th><th>Verdict</th></tr>\n";
  for (const auto& d : r.devices) {
    std::string verdict = d.chosen      ? "<span class=\"ok\">chosen</span>"
                          : !d.in_scope ? "<span>not considered</span>"
                          : d.feasible  ? "<span class=\"ok\">feasible</span>"
                                        : "<span class=\"fail\">infeasible</span>";
    if (!d.reason.empty()) verdict += ": " + html(d.reason);
    out += fmt::format(
        "<tr{}><td>{}<br/><small>{}</small></td><td>{}</td><td>{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td>"
        "<td>{}</td></tr>\n",
        d.chosen ? " class=\"chosen\"" : "", html(d.name), html(d.id), html(d.kind), html(d.tier),
        number(d.price_usd, "USD"), number(d.system_price_usd, "USD"), number(d.power_w, "W"),
        d.best ? latency(d.best->latency_us) + " " + badge(d.best->provenance) : "—",
        d.best ? html(candidate_text(r, d.best->candidate)) : "—", verdict);
  }
  out += "</table>\n";
  if (!r.price_basis.empty())
    out += fmt::format("<p>Price compared: {}.</p>\n", html(r.price_basis));
}

// Use at or above this share of a usable resource is flagged: a design that close to full is
// unlikely to route and close timing at the catalog clock (issue 14 item 6).
constexpr double kWarnShare = 0.97;

// One design's resources against what the device leaves usable, each share coloured: fine,
// near full (from kWarnShare), or over.
void write_resource_table(const Accelerator& a, std::string& out) {
  out +=
      "<table>\n<tr><th>Resource</th><th class=\"n\">Used</th><th class=\"n\">Usable</th>"
      "<th class=\"n\">Use</th></tr>\n";
  for (std::size_t i = 0; i < kResources.size(); ++i) {
    const auto& used = a.used[i];
    const auto& available = a.available[i];
    std::string share = "—";
    if (used && available && (*available > 0 || *used > 0)) {
      const double s = *available > 0 ? *used / *available : INFINITY;
      const char* level = s > 1 ? "fail" : s >= kWarnShare ? "warn" : "ok";
      const char* note = s > 1 ? " (over)" : s >= kWarnShare ? " (near full)" : "";
      share = std::isfinite(s)
                  ? fmt::format("<span class=\"{}\">{:.1f}%{}</span>", level, 100 * s, note)
                  : "<span class=\"fail\">none usable</span>";
    }
    out += fmt::format(
        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td></tr>\n",
        kResourceLabels[i], number(used), number(available), share);
  }
  out += "</table>\n";
}

std::string design_text(const Accelerator& a) {
  return fmt::format("{} PEs (P), {} banks (B), {} block columns (Bc), {} token lanes, {}, {}",
                     number(a.pes), number(a.banks), number(a.block_cols), number(a.token_lanes),
                     html(a.precision), number(a.clock_mhz, "MHz"));
}

void write_accelerators(const Result& r, std::string& out) {
  out += "<h2>7. The accelerator sized for each FPGA</h2>\n";
  bool any = false;
  for (const auto& d : r.devices) {
    if (d.accel) {
      const Accelerator& a = *d.accel;
      out += fmt::format("<h3>{} <small>({})</small> {}</h3>\n<p>{}.</p>\n", html(d.name),
                         html(d.id), badge(a.provenance), design_text(a));
    } else if (d.closest) {
      const Accelerator& a = *d.closest;
      out += fmt::format(
          "<h3>{} <small>({})</small> {}: <span class=\"fail\">no design fits</span></h3>\n"
          "<p>The design closest to fitting, for {}: {}.</p>\n",
          html(d.name), html(d.id), badge(a.provenance),
          html(candidate_text(r, d.closest_candidate)), design_text(a));
    } else {
      continue;
    }
    any = true;
    write_resource_table(d.accel ? *d.accel : *d.closest, out);
  }
  if (!any) out += "<p>No FPGA's best model fits it, so no accelerator was sized.</p>\n";
}

// `path` (a file or folder select wrote) as a link from out_dir: through its path relative to
// the result's folder when the result records one, else as recorded (relative to the working
// directory select ran in). Characters a URL path cannot hold are percent-encoded.
std::string artifact_href(const Result::Artifact& a, const fs::path& out_dir,
                          const fs::path& result_dir) {
  const fs::path target = a.in_run.empty() ? fs::path(a.path) : result_dir / a.in_run;
  std::error_code ec;
  fs::path rel = fs::relative(target, out_dir, ec);
  if (ec || rel.empty()) rel = fs::absolute(target, ec);
  std::string href;
  for (const unsigned char ch : rel.generic_string()) {
    if (std::isalnum(ch) || std::strchr("/._-~", ch) != nullptr)
      href += static_cast<char>(ch);
    else
      href += fmt::format("%{:02X}", ch);
  }
  return href;
}

void write_artifacts(const Result& r, const fs::path& out_dir, const fs::path& result_dir,
                     std::string& out) {
  out += "<h2>8. Artifacts and command</h2>\n";
  if (r.artifacts.empty()) {
    out += "<p>No deployable artifacts (nothing was chosen).</p>\n";
  } else {
    out += "<p>Links are relative to this report.</p>\n<table>\n";
    for (const Result::Artifact& a : r.artifacts) {
      out += fmt::format("<tr><th>{}</th><td><a href=\"{}\"><code>{}</code></a></td></tr>\n",
                         html(a.what), html(artifact_href(a, out_dir, result_dir)), html(a.path));
    }
    out += "</table>\n";
  }
  out += fmt::format("<p>Command:</p>\n<pre><code>{}</code></pre>\n",
                     html(r.command.empty() ? "(not recorded)" : r.command));
}

}  // namespace

std::filesystem::path write_report(const nlohmann::json& result,
                                   const std::filesystem::path& out_dir, const std::string& source,
                                   const std::filesystem::path& result_dir) {
  namespace fs = std::filesystem;
  const Result r = read_result(result, source);
  const fs::path plots = out_dir / "plots";
  fs::create_directories(plots);
  const auto accuracy = plot_accuracy(r, plots);
  const auto latency_figure = plot_latency(r, plots);
  const auto price = plot_price(r, plots);

  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
      "<meta charset=\"utf-8\"/>\n"
      "<title>fitformer select: {0}</title>\n<style>{1}</style>\n</head>\n<body>\n"
      "<h1>fitformer select: {0}</h1>\n<p>Every result is labelled {2} (ran here), {3} (cycle "
      "simulator) or {4} (analytical model or roofline). Prices, power and resource counts are "
      "catalog figures, each with its source in <code>catalog/devices.toml</code>.</p>\n"
      "<h2>1. The answer</h2>\n",
      html(r.task.empty() ? r.recipe : r.task), kStyle, badge("measured"), badge("simulated"),
      badge("modeled"));
  write_answer(r, out);
  write_constraints(r, out);
  write_figure(accuracy, fmt::format("3. {} against sparsity", html(metric_label(r.metric))),
               "No candidate models were recorded.", out);
  write_candidates(r, out);
  write_figure(latency_figure, "4. Best latency per device",
               "No device has a latency for any model.", out);
  write_figure(price, "5. Price against latency",
               "No priced device has a latency for a model that meets AC.", out);
  write_devices(r, out);
  write_accelerators(r, out);
  write_artifacts(r, out_dir, result_dir.empty() ? out_dir : result_dir, out);
  out += "</body>\n</html>\n";

  const fs::path report = out_dir / "report.html";
  write_file_atomic(report, out);
  return report;
}

}  // namespace fitformer::report

// Greedy label placement (label_layout.h): rings of positions around each point, nearest first.
#include "report/label_layout.h"

#include <algorithm>
#include <cstddef>
#include <limits>

namespace fitformer::report {
namespace {

// Code points of UTF-8 text: what its width scales with.
std::size_t code_points(const std::string& text) {
  std::size_t n = 0;
  for (const char ch : text)
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;
  return n;
}

double overlap_area(const Box& a, const Box& b) {
  const double w = std::min(a.x1, b.x1) - std::max(a.x0, b.x0);
  const double h = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
  return w > 0 && h > 0 ? w * h : 0;
}

// Everything a label at `p` would cover that it must not: area outside `area` counts as cover.
double cover(const PlacedLabel& p, const Box& area, const std::vector<Box>& taken) {
  const double inside = overlap_area(p.box, area);
  double total = (p.box.x1 - p.box.x0) * (p.box.y1 - p.box.y0) - inside;
  for (const Box& b : taken) total += overlap_area(p.box, b);
  return total;
}

PlacedLabel at(const LabelRequest& r, double dx, double dy, Align align, bool leader) {
  const double width = r.char_px * static_cast<double>(code_points(r.text));
  PlacedLabel p;
  p.x = r.x + dx;
  p.y = r.y + dy;
  p.align = align;
  const double left = align == Align::kLeft    ? p.x
                      : align == Align::kRight ? p.x - width
                                               : p.x - width / 2;
  p.box = {left, p.y - r.line_px / 2, left + width, p.y + r.line_px / 2};
  p.leader = leader;
  return p;
}

}  // namespace

bool overlaps(const Box& a, const Box& b) {
  return overlap_area(a, b) > 0;
}

std::vector<PlacedLabel> place_labels(const std::vector<LabelRequest>& labels, const Box& area,
                                      const std::vector<Box>& obstacles) {
  std::vector<Box> taken = obstacles;
  for (const LabelRequest& r : labels)
    taken.push_back({r.x - r.point_px, r.y - r.point_px, r.x + r.point_px, r.y + r.point_px});
  std::vector<PlacedLabel> out;
  for (const LabelRequest& r : labels) {
    PlacedLabel best;
    double best_cover = std::numeric_limits<double>::infinity();
    // Rings at growing distance: beside the point, then above and below, then the diagonals.
    for (int ring = 1; ring <= 6 && best_cover > 0; ++ring) {
      const double gap = r.point_px + 3 + (ring - 1) * r.line_px;
      const double rise = ring * r.line_px;
      const bool leader = ring > 1;
      const PlacedLabel tries[] = {
          at(r, gap, 0, Align::kLeft, leader),       at(r, -gap, 0, Align::kRight, leader),
          at(r, 0, -rise, Align::kCenter, leader),   at(r, 0, rise, Align::kCenter, leader),
          at(r, gap, -rise, Align::kLeft, leader),   at(r, gap, rise, Align::kLeft, leader),
          at(r, -gap, -rise, Align::kRight, leader), at(r, -gap, rise, Align::kRight, leader)};
      for (const PlacedLabel& p : tries) {
        const double c = cover(p, area, taken);
        if (c < best_cover) best = p, best_cover = c;
        if (c == 0) break;
      }
    }
    taken.push_back(best.box);
    out.push_back(best);
  }
  return out;
}

}  // namespace fitformer::report

// Where to write a plot's point labels so that none covers another, a point or a marked line
// (issue 14 item 6: the price plot's labels overlapped where devices cluster): a greedy search
// over positions around each point, in the SVG's pixel coordinates.
#pragma once

#include <string>
#include <vector>

namespace fitformer::report {

// An axis-aligned rectangle in pixels, y growing downwards as in SVG.
struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

bool overlaps(const Box& a, const Box& b);

struct LabelRequest {
  double x = 0, y = 0;  // the point, pixels
  std::string text;     // UTF-8; its width is estimated from its code points
  double char_px = 7;   // estimated advance of one character
  double line_px = 14;  // estimated line height
  double point_px = 6;  // half the size of the point's marker
};

enum class Align { kLeft, kRight, kCenter };  // which end of the text sits at the anchor

struct PlacedLabel {
  double x = 0, y = 0;  // anchor, pixels: the text's left, right or centre, its vertical middle
  Align align = Align::kLeft;
  Box box;              // the text's estimated extent
  bool leader = false;  // placed away from its point: draw a line from the point to it
};

// One placement per request, in order: the first position, nearest first, whose box stays
// inside `area` and meets no earlier label, no point's marker and no obstacle; when none is
// free, the one that overlaps least. Requests earlier in the list get the nearer positions.
std::vector<PlacedLabel> place_labels(const std::vector<LabelRequest>& labels, const Box& area,
                                      const std::vector<Box>& obstacles);

}  // namespace fitformer::report

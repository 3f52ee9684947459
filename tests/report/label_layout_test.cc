// place_labels: labels of clustered and coincident points end up apart from each other, from
// every point and from an obstacle line, inside the plot area.
#include "report/label_layout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fitformer::report {
namespace {

TEST(PlaceLabels, ClusteredPointsGetLabelsThatNeverOverlap) {
  const Box area{0, 0, 600, 400};
  const std::vector<Box> line = {{298, 0, 302, 400}};  // a vertical LC line at x = 300
  std::vector<LabelRequest> requests;
  // Five points on one spot, three more within a few pixels, one beside the line.
  for (int i = 0; i < 5; ++i) requests.push_back({200, 200, "device-" + std::to_string(i)});
  for (int i = 0; i < 3; ++i)
    requests.push_back({205.0 + i, 203.0 - i, "near-" + std::to_string(i)});
  requests.push_back({290, 100, "beside-the-line"});
  const std::vector<PlacedLabel> placed = place_labels(requests, area, line);
  ASSERT_EQ(placed.size(), requests.size());
  for (std::size_t i = 0; i < placed.size(); ++i) {
    const Box& b = placed[i].box;
    EXPECT_GE(b.x0, area.x0) << i;
    EXPECT_LE(b.x1, area.x1) << i;
    EXPECT_GE(b.y0, area.y0) << i;
    EXPECT_LE(b.y1, area.y1) << i;
    EXPECT_FALSE(overlaps(b, line[0])) << requests[i].text;
    for (std::size_t j = 0; j < placed.size(); ++j) {
      if (j != i) {
        EXPECT_FALSE(overlaps(b, placed[j].box)) << requests[i].text << " / " << requests[j].text;
      }
      const Box point{requests[j].x - requests[j].point_px, requests[j].y - requests[j].point_px,
                      requests[j].x + requests[j].point_px, requests[j].y + requests[j].point_px};
      EXPECT_FALSE(overlaps(b, point)) << requests[i].text << " on point " << j;
    }
  }
  // A label's width follows its characters: 15 of them at 7 px.
  EXPECT_DOUBLE_EQ(placed.back().box.x1 - placed.back().box.x0, 15 * 7.0);
  // The label beside the line goes to the point's left, next to it, without a leader line.
  EXPECT_FALSE(placed.back().leader);
  EXPECT_EQ(placed.back().align, Align::kRight);
}

TEST(PlaceLabels, WidthCountsCodePointsNotBytes) {
  const std::vector<PlacedLabel> placed =
      place_labels({{100, 100, "µs ρ2", 10}}, {0, 0, 400, 400}, {});
  EXPECT_DOUBLE_EQ(placed[0].box.x1 - placed[0].box.x0, 5 * 10.0);
}

}  // namespace
}  // namespace fitformer::report

// Which layer of a pull may be unpacked when (image/internal/unpack_order.h): in order, each
// once its blob is in the store, whatever order the downloads finish in.

#include "image/internal/unpack_order.h"

#include <gtest/gtest.h>

namespace wharf::image {
namespace {

using internal::LayerUnpackOrder;

TEST(LayerUnpackOrder, WaitsForTheLayerBelowEvenWhenLaterOnesAreDone) {
  LayerUnpackOrder order({"a", "b", "c"}, {});
  EXPECT_EQ(order.takeNext(), std::nullopt);
  order.markAvailable("c");  // the last download finishes first
  order.markAvailable("b");
  EXPECT_EQ(order.takeNext(), std::nullopt);  // "a" is still downloading
  order.markAvailable("a");
  EXPECT_EQ(order.takeNext(), 0u);
  EXPECT_EQ(order.takeNext(), 1u);
  EXPECT_EQ(order.takeNext(), 2u);
  EXPECT_EQ(order.takeNext(), std::nullopt);
  EXPECT_TRUE(order.finished());
}

TEST(LayerUnpackOrder, UnpacksTheBottomWhileTheTopDownloads) {
  LayerUnpackOrder order({"a", "b", "c"}, {});
  order.markAvailable("a");
  EXPECT_EQ(order.takeNext(), 0u);  // b and c are not there: a may start anyway
  EXPECT_EQ(order.takeNext(), std::nullopt);
  EXPECT_FALSE(order.finished());
  EXPECT_EQ(order.taken(), 1u);
  order.markAvailable("b");
  EXPECT_EQ(order.takeNext(), 1u);
  EXPECT_EQ(order.takeNext(), std::nullopt);
  order.markAvailable("c");
  EXPECT_EQ(order.takeNext(), 2u);
  EXPECT_TRUE(order.finished());
}

TEST(LayerUnpackOrder, LayersAlreadyInTheStoreNeedNoDownload) {
  LayerUnpackOrder order({"base", "mid", "top"}, {"base", "top"});
  EXPECT_EQ(order.takeNext(), 0u);
  EXPECT_EQ(order.takeNext(), std::nullopt);  // "top" is there but "mid" below it is not
  order.markAvailable("mid");
  EXPECT_EQ(order.takeNext(), 1u);
  EXPECT_EQ(order.takeNext(), 2u);
  EXPECT_TRUE(order.finished());
}

TEST(LayerUnpackOrder, ALayerListedTwiceIsAvailableForBothPlaces) {
  LayerUnpackOrder order({"x", "y", "x"}, {});
  order.markAvailable("x");
  EXPECT_EQ(order.takeNext(), 0u);
  EXPECT_EQ(order.takeNext(), std::nullopt);
  order.markAvailable("y");
  EXPECT_EQ(order.takeNext(), 1u);
  EXPECT_EQ(order.takeNext(), 2u);  // the one download serves the second place too
  EXPECT_TRUE(order.finished());
}

TEST(LayerUnpackOrder, NoLayers) {
  LayerUnpackOrder order({}, {});
  EXPECT_TRUE(order.finished());
  EXPECT_EQ(order.takeNext(), std::nullopt);
}

}  // namespace
}  // namespace wharf::image

/** One "did you mean" rule for every name a user can misspell: magics, flags, layers, backbones, data sets. */
import { nearestNames, nearestNote } from "../tl/nearest-names";

describe("nearestNames", () => {
  test("a typo finds the name; only the closest ones are offered, ties alphabetically", () => {
    expect(nearestNames("epoch", ["epochs", "eval", "lr"])).toEqual(["epochs"]);
    expect(nearestNames("block_3", ["block_2", "block_1", "conv", "block_12"])).toEqual(["block_1", "block_2"]);
  });

  test("case is ignored and a name cut short counts as close", () => {
    expect(nearestNames("MNSIT", ["mnist", "fashionMnist"])).toEqual(["mnist"]);
    expect(nearestNames("mobile", ["mobilenet_v2", "inception_v3"])).toEqual(["mobilenet_v2"]);
  });

  test("nothing close gives nothing, rather than a random name", () => {
    expect(nearestNames("resnet", ["mobilenet_v2", "fashion_cnn"])).toEqual([]);
    expect(nearestNote("resnet", ["mobilenet_v2"])).toBe("");
    expect(nearestNote("mnsit", ["mnist", "csv"])).toBe(" (nearest: mnist)");
  });

  test("at most `limit` names, duplicates counted once", () => {
    expect(nearestNames("ab", ["aa", "bb", "ac", "ad", "ac"], 2)).toEqual(["aa", "ac"]);
  });
});

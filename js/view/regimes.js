// How the page shows each regime of the Saturation Detector (the contract's regimes): its colour and its
// condition (the thresholds' values are in the frame and the schema).
export const REGIME_STYLE = {
  BELOW: { color: "#4ade80", text: "EWMA(TTFT P99) < θ₁" },
  TRANSITION: { color: "#fbbf24", text: "θ₁ ≤ EWMA(TTFT P99) < θ₂" },
  SATURATED: { color: "#f87171", text: "EWMA(TTFT P99) ≥ θ₂" },
};

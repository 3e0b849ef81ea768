// Package chart draws the lessons' figures as SVG text: bar charts (the
// cost of every layer of a network, on a linear or log scale), scatter
// plots with labelled points (accuracy against MACs) and line charts with
// several series and a legend (training curves, ReLU against sigmoid).
//
// The output is meant to be put into the page as it is (inline SVG) or
// saved as a file:
//   - accessible: the <svg> has role="img" and an aria-label, its first
//     child is a <title>, a <desc> summarises the data, axes have labels
//     and tick labels carry the unit; every mark has its own <title> (the
//     exact value, shown on hover);
//   - self-contained: colours and fonts are attributes (no CSS, so no page
//     style can change it and an exported file looks the same), from a
//     palette chosen to read on light backgrounds and to stay apart for
//     colour-blind readers; lines also differ by dash pattern;
//   - scalable: sizes are in the viewBox only, the page decides the width;
//   - deterministic: the same input gives the same bytes (coordinates are
//     rounded to 0.1 unit), so a chart can be compared or cached;
//   - safe: every text (labels, titles, names) is XML-escaped.
//
// Marks carry data-* attributes (data-label, data-value, data-x, data-y,
// data-series) with the exact numbers, for tests and for the page.
package chart

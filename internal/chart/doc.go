// Package chart draws a deploy's figures as an image: requests per second as bars (failed
// requests in red on top), p50 and p99 latency as lines on a second scale, and a vertical marker at
// each step of the deploy (switch, drain, stop). The dashboard's pages and `cutover releases
// --chart` draw with the same code, server-side, so a browser needs no script to show it.
//
// The model: a Chart is a list of per-second points and a list of marks on one time axis. draw
// lays them out once in a fixed Width×Height frame and hands each shape to a canvas, which only
// renders: Write's writes plain SVG elements, so the image stretches to any width (a phone's)
// without script; WritePNG's rasterizes the same shapes at twice the size, with the Go font, for
// places that show no SVG (a pull request, a chat).
package chart

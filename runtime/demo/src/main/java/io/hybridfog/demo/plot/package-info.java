/** Self-contained SVG scatter plots (no external resources) for the reports. */
package io.hybridfog.demo.plot;

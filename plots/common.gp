# common.gp — settings shared by the libburstccn figure scripts.
#
# Each figure script loads this file from its own folder.  It expects the
# gnuplot variable `dir` (the results folder written by burstccn-bench) and
# defines: the two output terminals (PNG through cairo, and SVG), one fixed
# colour per learning rule and per device slot, helpers to test files, to
# find a word in a list and to label a layer, and `bcn_footer_at(s)` that
# puts the run date, host and devices at the bottom of a figure.

if (!exists("dir")) {
    exit error "no results folder: run as  gnuplot -e \"dir='results'\" SCRIPT.gp"
}

# `suffix` (optional) picks a second set of results in the same folder:
# with suffix='_conv' the scripts read NAME_conv.csv and NAME_conv_meta.gp
# and draw FIGURE_conv.png/.svg (burstccn-bench all's conv network).
if (!exists("suffix")) { suffix = "" }

# Results are CSV with a header row; empty fields are missing values.
set datafile separator comma

# Device names carry underscores and carets: print all text literally.
# bcn_png_h(h) / bcn_svg_h(h): the same terminals h pixels high.
bcn_png_h(h) = sprintf("set terminal pngcairo size 1400,%d noenhanced font 'DejaVu Sans,12' linewidth 1.6 background '#ffffff'", h)
bcn_svg_h(h) = sprintf("set terminal svg size 1400,%d noenhanced font 'DejaVu Sans,12' linewidth 1.6 background '#ffffff'", h)
bcn_png = bcn_png_h(900)
bcn_svg = bcn_svg_h(900)

# 1 when `f` is a readable file.
bcn_exists(f) = system("test -r '".f."' && echo 1 || echo 0") eq "1"

# Position (1-based) of word w in the blank-separated list, 0 when absent.
bcn_widx(list, w) = (bcn_p_ = strstrt(" ".list." ", " ".w." "), \
                     bcn_p_ == 0 ? 0 : words((" ".list." ")[1:bcn_p_]) + 1)

# One colour per rule, the same in every figure.
bcn_rule_color(r) = r eq "burstccn" ? "#1f77b4" : r eq "burstprop" ? "#ff7f0e" : \
                    r eq "fa" ? "#2ca02c" : r eq "backprop" ? "#404040" : "#9467bd"
bcn_rule_dt(r) = r eq "burstccn" ? 1 : r eq "burstprop" ? 2 : r eq "fa" ? 4 : 3
bcn_rule_pt(r) = r eq "burstccn" ? 7 : r eq "burstprop" ? 5 : r eq "fa" ? 9 : 13
bcn_rule_name(r) = r eq "burstccn" ? "BurstCCN" : r eq "burstprop" ? "Burstprop" : \
                   r eq "fa" ? "feedback alignment" : r eq "backprop" ? "backprop" : r

# One colour per device slot (order of the devices in the results).
bcn_dev_color(i) = word("#d62728 #1f77b4 #2ca02c #9467bd #8c564b #e377c2 #17becf #bcbd22", (i - 1) % 8 + 1)

# 1 when the results folder holds NAME.csv and its metadata NAME_meta.gp
# (date, host, devices, network: written by burstccn-bench beside the CSV).
bcn_have(name) = bcn_exists(dir."/".name.".csv") && bcn_exists(dir."/".name."_meta.gp")

# Layer l's label from the metadata ("conv 1 (32@12x12, 5x5/2)",
# "dense 3 (256)"); "layer l" for results written before labels existed.
bcn_layer_label(l) = exists(sprintf("meta_layer_label_%d", l)) ? \
    value(sprintf("meta_layer_label_%d", l)) : sprintf("layer %d", l)

# Every figure ends with a footer (one or more lines), set after loading
# the metadata:  eval "set label 900 meta_footer " . bcn_footer_at(meta_footer)
bcn_lines(t) = (bcn_q_ = strstrt(t, "\n"), bcn_q_ == 0 ? 1 : 1 + bcn_lines(t[bcn_q_ + 1:]))
# (bcn_height: the figure's height in pixels, 900 unless a script sets it.)
bcn_height = 900
bcn_footer_at(t) = sprintf("at screen 0.008, screen %.4f left font ',10' textcolor rgb '#555555'", \
                           (14.4 + 17.1 * (bcn_lines(t) - 1)) / bcn_height)

# A shared legend: an empty plot across the top strip of a multiplot whose
# only content is its key.  Use as  eval bcn_legend_begin; plot NaN ...; eval bcn_legend_end
# (eval, not @macros: macros in long do-for blocks break in gnuplot 5.4)
bcn_legend_begin = "set lmargin at screen 0.05; set rmargin at screen 0.95; " . \
    "set tmargin at screen 0.925; set bmargin at screen 0.885; " . \
    "unset border; unset xtics; unset ytics; unset xlabel; unset ylabel; unset title; unset grid; unset logscale; " . \
    "set xrange [0:1]; set yrange [0:1]; set key center center horizontal maxrows 1 samplen 3 width 1"
bcn_legend_end = "unset key; set border; set xtics; set ytics; " . \
    "unset lmargin; unset rmargin; unset tmargin; unset bmargin"

// Placing the seal on the page: drag it, tap where it goes, or move it with the arrow
// keys. It only writes the x/y (mm from the page's top-left) fields the form sends, so
// the page also works without this script.
(function () {
  "use strict";
  var stage = document.querySelector("[data-stage]");
  var form = document.querySelector("[data-place-form]");
  if (!stage || !form) { return; }
  var stamp = stage.querySelector("[data-stamp]");
  var xIn = form.querySelector("[data-x]"), yIn = form.querySelector("[data-y]");
  var pageW = parseFloat(stage.dataset.pageW), pageH = parseFloat(stage.dataset.pageH);
  var sealW = parseFloat(stage.dataset.sealW), sealH = parseFloat(stage.dataset.sealH);
  function scale() { return stage.clientWidth / pageW; } // px per mm
  function clamp(v, lo, hi) { return Math.min(Math.max(v, lo), hi); }
  function set(xmm, ymm) {
    xmm = clamp(xmm, 0, pageW - sealW); ymm = clamp(ymm, 0, pageH - sealH);
    xIn.value = xmm.toFixed(1); yIn.value = ymm.toFixed(1);
    draw();
  }
  function draw() {
    var s = scale();
    stamp.style.width = (sealW * s) + "px"; stamp.style.height = (sealH * s) + "px";
    stamp.style.left = (parseFloat(xIn.value || "0") * s) + "px";
    stamp.style.top = (parseFloat(yIn.value || "0") * s) + "px";
  }
  function atPointer(ev) {
    var r = stage.getBoundingClientRect(), s = scale();
    return [(ev.clientX - r.left) / s, (ev.clientY - r.top) / s];
  }
  stamp.hidden = false;
  var grab = null;
  stamp.addEventListener("pointerdown", function (ev) {
    var p = atPointer(ev);
    grab = [p[0] - parseFloat(xIn.value), p[1] - parseFloat(yIn.value)];
    stamp.setPointerCapture(ev.pointerId); ev.preventDefault();
  });
  stamp.addEventListener("pointermove", function (ev) {
    if (!grab) { return; }
    var p = atPointer(ev); set(p[0] - grab[0], p[1] - grab[1]);
  });
  stamp.addEventListener("pointerup", function () { grab = null; });
  stage.addEventListener("click", function (ev) {
    if (ev.target === stamp) { return; }
    var p = atPointer(ev); set(p[0] - sealW / 2, p[1] - sealH / 2); // tap: centre it there
  });
  stamp.addEventListener("keydown", function (ev) {
    var step = ev.shiftKey ? 10 : 1;
    var x = parseFloat(xIn.value), y = parseFloat(yIn.value);
    var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (!moves[ev.key]) { return; }
    ev.preventDefault(); set(x + moves[ev.key][0], y + moves[ev.key][1]);
  });
  xIn.addEventListener("input", draw); yIn.addEventListener("input", draw);
  window.addEventListener("resize", draw);
  var img = stage.querySelector("[data-page-image]");
  if (img.complete) { draw(); } else { img.addEventListener("load", draw); }
})();

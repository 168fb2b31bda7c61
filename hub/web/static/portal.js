// Small islands of behaviour; every page works without them.
(function () {
  "use strict";
  // Forms marked data-autosubmit send themselves when a choice changes.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.querySelectorAll("[data-hide-with-js]").forEach(function (b) { b.hidden = true; });
    form.addEventListener("change", function () { form.submit(); });
  });
  // The registration page's camera: a frame from the camera becomes the photo file.
  var cam = document.querySelector("[data-camera]");
  var fileInput = document.getElementById("f-face_image");
  if (cam && fileInput && navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.DataTransfer) {
    cam.hidden = false;
    var video = cam.querySelector("[data-camera-video]");
    var still = cam.querySelector("[data-camera-still]");
    var shoot = cam.querySelector("[data-camera-shoot]");
    cam.querySelector("[data-camera-start]").addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" } }).then(function (stream) {
        video.hidden = false; video.srcObject = stream; video.play(); shoot.hidden = false;
      }).catch(function () { cam.hidden = true; });
    });
    shoot.addEventListener("click", function () {
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth || 640; canvas.height = video.videoHeight || 480;
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        var dt = new DataTransfer();
        dt.items.add(new File([blob], "face.jpg", { type: "image/jpeg" }));
        fileInput.files = dt.files;
        still.src = URL.createObjectURL(blob); still.hidden = false;
      }, "image/jpeg", 0.9);
    });
  }
})();

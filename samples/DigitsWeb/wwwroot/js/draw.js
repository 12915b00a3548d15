// Drawing on the canvas with mouse, pen or touch (pointer events). While the drawing changes, the canvas's alpha
// channel is sent to .NET (DigitsPage.InkChanged) at most once per animation frame and never while a previous call
// is still running, so the prediction follows the pen without queueing up. canvas.dataset.idle is "true" when the
// last change has been classified (the browser test waits for it).

const strokeWidth = 20; // on the 280-pixel canvas: a digit drawn to its full height becomes a 2-pixel stroke in MNIST's 20-pixel box

export function attach(canvas, page) {
  const context = canvas.getContext('2d', { willReadFrequently: true });
  let drawing = false, last = null, scheduled = false, busy = false;
  canvas.dataset.idle = 'true';

  const point = event => {
    const box = canvas.getBoundingClientRect();
    return { x: (event.clientX - box.left) * canvas.width / box.width, y: (event.clientY - box.top) * canvas.height / box.height };
  };
  const segment = (from, to) => {
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.lineWidth = strokeWidth;
    context.strokeStyle = '#111';
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
  };
  const send = async () => {
    scheduled = false;
    if (busy) { schedule(); return; }
    busy = true;
    try {
      await page.invokeMethodAsync('InkChanged', ink(canvas));
    } finally {
      busy = false;
      if (!scheduled) canvas.dataset.idle = 'true';
    }
  };
  const schedule = () => {
    canvas.dataset.idle = 'false';
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(send);
  };

  canvas.addEventListener('pointerdown', event => {
    if (event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    drawing = true;
    last = point(event);
    segment(last, last); // a tap leaves a dot
    schedule();
  });
  canvas.addEventListener('pointermove', event => {
    if (!drawing) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of (events.length ? events : [event])) {
      const p = point(e);
      segment(last, p);
      last = p;
    }
    schedule();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    schedule();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.addEventListener('lostpointercapture', end);
}

// The alpha channel, one byte per pixel, row-major.
function ink(canvas) {
  const rgba = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const alpha = new Uint8Array(canvas.width * canvas.height);
  for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[4 * i + 3];
  return alpha;
}

export function clear(canvas) {
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
}

// Shows a 28×28 test digit (0 = background, 255 = ink) scaled up to the canvas, pixel by pixel.
export function showDigit(canvas, pixels) {
  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  const image = small.getContext('2d').createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = 17;
    image.data[4 * i + 3] = pixels[i];
  }
  small.getContext('2d').putImageData(image, 0, 0);
  const context = canvas.getContext('2d');
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.imageSmoothingEnabled = false;
  context.drawImage(small, 0, 0, canvas.width, canvas.height);
}

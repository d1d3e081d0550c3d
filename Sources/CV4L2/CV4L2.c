#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <libv4l2.h>
#include "CV4L2.h"

static void silence_libv4l2(void) {
    if (!v4l2_log_file) v4l2_log_file = fopen("/dev/null", "we");
}

static int xioctl(int fd, unsigned long request, void *arg) {
    int r;
    do { r = v4l2_ioctl(fd, request, arg); } while (r == -1 && errno == EINTR);
    return r == -1 ? -errno : 0;
}

int cv4l2_open(const char *path) {
    // libv4l2 prints its own errors on stderr ("libv4l2: error setting pixformat: …", on every retry
    // of a busy camera) unless it has a log file; callers report each failure themselves.
    static pthread_once_t quiet = PTHREAD_ONCE_INIT;
    pthread_once(&quiet, silence_libv4l2);
    int fd = v4l2_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int cv4l2_close(int fd) { return v4l2_close(fd) == 0 ? 0 : -errno; }

int cv4l2_querycap(int fd, struct v4l2_capability *cap) {
    memset(cap, 0, sizeof *cap);
    return xioctl(fd, VIDIOC_QUERYCAP, cap);
}

int cv4l2_enum_format(int fd, uint32_t index, struct v4l2_fmtdesc *desc) {
    memset(desc, 0, sizeof *desc);
    desc->index = index;
    desc->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    return xioctl(fd, VIDIOC_ENUM_FMT, desc);
}

int cv4l2_enum_framesize(int fd, uint32_t pixelformat, uint32_t index, struct v4l2_frmsizeenum *size) {
    memset(size, 0, sizeof *size);
    size->index = index;
    size->pixel_format = pixelformat;
    return xioctl(fd, VIDIOC_ENUM_FRAMESIZES, size);
}

int cv4l2_enum_frameinterval(int fd, uint32_t pixelformat, uint32_t width, uint32_t height, uint32_t index,
                             struct v4l2_frmivalenum *interval) {
    memset(interval, 0, sizeof *interval);
    interval->index = index;
    interval->pixel_format = pixelformat;
    interval->width = width;
    interval->height = height;
    return xioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, interval);
}

int cv4l2_set_format(int fd, uint32_t width, uint32_t height, uint32_t pixelformat, struct v4l2_format *out) {
    memset(out, 0, sizeof *out);
    out->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    out->fmt.pix.width = width;
    out->fmt.pix.height = height;
    out->fmt.pix.pixelformat = pixelformat;
    out->fmt.pix.field = V4L2_FIELD_NONE;
    return xioctl(fd, VIDIOC_S_FMT, out);
}

int cv4l2_set_fps(int fd, uint32_t fps) {
    struct v4l2_streamparm parm;
    memset(&parm, 0, sizeof parm);
    parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    parm.parm.capture.timeperframe.numerator = 1;
    parm.parm.capture.timeperframe.denominator = fps;
    return xioctl(fd, VIDIOC_S_PARM, &parm);
}

int cv4l2_request_buffers(int fd, uint32_t count) {
    struct v4l2_requestbuffers req;
    memset(&req, 0, sizeof req);
    req.count = count;
    req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    req.memory = V4L2_MEMORY_MMAP;
    int r = xioctl(fd, VIDIOC_REQBUFS, &req);
    return r < 0 ? r : (int)req.count;
}

// A capture buffer of the mmap kind, as QUERYBUF, QBUF and DQBUF take it.
static struct v4l2_buffer mmap_buffer(uint32_t index) {
    struct v4l2_buffer buf;
    memset(&buf, 0, sizeof buf);
    buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buf.memory = V4L2_MEMORY_MMAP;
    buf.index = index;
    return buf;
}

void *cv4l2_map(int fd, uint32_t index, size_t *length) {
    struct v4l2_buffer buf = mmap_buffer(index);
    if (xioctl(fd, VIDIOC_QUERYBUF, &buf) < 0) return NULL;
    void *start = v4l2_mmap(NULL, buf.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, buf.m.offset);
    if (start == MAP_FAILED) return NULL;
    *length = buf.length;
    return start;
}

int cv4l2_unmap(void *start, size_t length) { return v4l2_munmap(start, length) == 0 ? 0 : -errno; }

int cv4l2_queue(int fd, uint32_t index) {
    struct v4l2_buffer buf = mmap_buffer(index);
    return xioctl(fd, VIDIOC_QBUF, &buf);
}

int cv4l2_dequeue(int fd, uint32_t *index, uint32_t *bytesused, struct timeval *timestamp, uint32_t *flags) {
    struct v4l2_buffer buf = mmap_buffer(0);
    int r = xioctl(fd, VIDIOC_DQBUF, &buf);
    if (r < 0) return r;
    *index = buf.index;
    *bytesused = buf.bytesused;
    *timestamp = buf.timestamp;
    *flags = buf.flags;
    return 0;
}

int cv4l2_stream(int fd, int on) {
    enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    return xioctl(fd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type);
}

int cv4l2_wait(int fd, int timeout_ms) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r;
    do { r = poll(&p, 1, timeout_ms); } while (r == -1 && errno == EINTR);
    if (r < 0) return -errno;
    if (r == 0) return 0;
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return -ENODEV;
    return 1;
}

#ifndef CV4L2_H
#define CV4L2_H
// A thin shim over libv4l2: v4l2_ioctl is variadic and the VIDIOC_* requests are function-like
// macros, neither of which Swift imports. Each function does one ioctl; all return 0 or -errno.
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <linux/videodev2.h>

int cv4l2_open(const char *path);                   // fd, or -errno
int cv4l2_close(int fd);
int cv4l2_querycap(int fd, struct v4l2_capability *cap);
int cv4l2_enum_format(int fd, uint32_t index, struct v4l2_fmtdesc *desc);
int cv4l2_enum_framesize(int fd, uint32_t pixelformat, uint32_t index, struct v4l2_frmsizeenum *size);
int cv4l2_enum_frameinterval(int fd, uint32_t pixelformat, uint32_t width, uint32_t height, uint32_t index,
                             struct v4l2_frmivalenum *interval);
/// Asks for width×height in pixelformat; `out` gets what the driver (or libv4l2's conversion) chose.
int cv4l2_set_format(int fd, uint32_t width, uint32_t height, uint32_t pixelformat, struct v4l2_format *out);
int cv4l2_set_fps(int fd, uint32_t fps);
/// Requests `count` mmap buffers; returns how many the driver granted, or -errno.
int cv4l2_request_buffers(int fd, uint32_t count);
/// Maps buffer `index`; NULL with errno set on failure.
void *cv4l2_map(int fd, uint32_t index, size_t *length);
int cv4l2_unmap(void *start, size_t length);
int cv4l2_queue(int fd, uint32_t index);
/// Takes a filled buffer: its index, bytes used, capture timestamp, V4L2_BUF_FLAG_* flags.
int cv4l2_dequeue(int fd, uint32_t *index, uint32_t *bytesused, struct timeval *timestamp, uint32_t *flags);
int cv4l2_stream(int fd, int on);
/// Waits up to timeout_ms for a frame: 1 ready, 0 timed out, -errno (ENODEV when unplugged).
int cv4l2_wait(int fd, int timeout_ms);

// The fourcc macros expand to expressions Swift does not import; these constants carry their values.
static const uint32_t CV4L2_PIX_FMT_YUYV = V4L2_PIX_FMT_YUYV;
static const uint32_t CV4L2_PIX_FMT_NV12 = V4L2_PIX_FMT_NV12;
static const uint32_t CV4L2_PIX_FMT_RGB24 = V4L2_PIX_FMT_RGB24;
static const uint32_t CV4L2_PIX_FMT_MJPEG = V4L2_PIX_FMT_MJPEG;

#endif

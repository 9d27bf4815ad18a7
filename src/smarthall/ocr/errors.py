"""Errors of OCR (problem+json codes, Chinese and English)."""

from __future__ import annotations

from smarthall.core.errors import ServiceUnavailable, ValidationFailed


class OcrUnavailable(ServiceUnavailable):
    code = "ocr_unavailable"
    message_zh = "证照识别服务未安装,请手工填写"
    message_en = "Document reading (OCR) is not installed; please fill in the form by hand"


class NotAnImage(ValidationFailed):
    code = "ocr_not_an_image"
    message_zh = "上传的文件不是可识别的图片(支持 JPEG、PNG)"
    message_en = "The upload is not a readable image (JPEG or PNG)"


class ImageTooLarge(ValidationFailed):
    code = "ocr_image_too_large"
    message_zh = "图片过大"
    message_en = "The image is too large"


class PdfUnreadable(ValidationFailed):
    code = "ocr_pdf_unreadable"
    message_zh = "上传的PDF无法打开,无法识别其页面"
    message_en = "The uploaded PDF does not open, so its pages cannot be read"

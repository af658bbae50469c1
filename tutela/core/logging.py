import logging

from tutela.core import request_context


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        info = request_context.current()
        record.request_id = info.request_id if info else "-"
        return True

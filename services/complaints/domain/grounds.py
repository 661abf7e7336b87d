"""Statutory grounds for not accepting a complaint (市场监督管理投诉举报处理暂行办法 Art. 15, Art. 9)."""

REJECTION_GROUNDS: dict[str, tuple[str, str]] = {
    "not_market_regulation_duty": ("不属于市场监督管理部门职责", "not a market-regulation duty"),
    "not_this_office": ("不属于本行政机关管辖", "not within this office's authority"),
    "handled_elsewhere": ("法院、仲裁机构、市场监督管理部门或者其他行政机关、消费者协会或者依法成立的其他调解组织已经受理或者处理过",
                          "already accepted or handled by a court, arbitration body, regulator, consumer association "
                          "or other mediator"),
    "no_consumer_dispute": ("不是为生活消费需要购买、使用商品或者接受服务，或者不能证明与被投诉人之间存在消费者权益争议",
                            "not for everyday consumption, or no dispute with the respondent shown"),
    "time_barred": ("除法律另有规定外，投诉人知道或者应当知道自己的权益受到被投诉人侵害之日起超过三年",
                    "more than 3 years since the complainant knew of the harm"),
    "materials_missing": ("未提供投诉人姓名、电话、地址、被投诉人、投诉请求及事实等材料",
                          "required materials missing (name, phone, address, respondent, request, facts)"),
    "other_legal_grounds": ("法律、法规、规章规定不予受理的其他情形", "other grounds in laws and regulations"),
}

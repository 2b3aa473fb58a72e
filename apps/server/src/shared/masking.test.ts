import { describe, expect, it } from 'vitest';
import {
  maskAddress,
  maskEmail,
  maskMobile,
  maskName,
  maskPersonalDataInText,
  maskResidentId,
  maskUscc,
} from './masking';

describe('maskResidentId', () => {
  it('keeps the first 3 and last 4 characters', () => {
    expect(maskResidentId('11010519491231002X')).toBe('110***********002X');
    expect(maskResidentId('11010519491231002x')).toBe('110***********002X');
    expect(maskResidentId('11010519491231002X')).toHaveLength(18);
  });
  it('masks short input entirely', () => {
    expect(maskResidentId('1234567')).toBe('*******');
    expect(maskResidentId('')).toBe('');
  });
});

describe('maskMobile', () => {
  it('keeps the first 3 and last 4 digits', () => {
    expect(maskMobile('13812345678')).toBe('138****5678');
    expect(maskMobile('+86 138-1234-5678')).toBe('138****5678');
  });
  it('still masks what is not a valid mobile number', () => {
    expect(maskMobile('010-12345678')).toBe('010*****5678');
    expect(maskMobile('123')).toBe('***');
  });
});

describe('maskName', () => {
  it('keeps the first character only', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('李')).toBe('*');
    expect(maskName('阿依古丽·买买提')).toBe('阿*******');
  });
  it('counts characters outside the BMP as one', () => {
    expect(maskName('𠮷野家')).toBe('𠮷**');
  });
});

describe('maskUscc', () => {
  it('keeps authority, type and region, and the last 4', () => {
    expect(maskUscc('91350100M000100Y43')).toBe('91350100******0Y43');
    expect(maskUscc('91350100m000100y43')).toBe('91350100******0Y43');
  });
});

describe('maskAddress', () => {
  it('keeps the divisions down to the county', () => {
    expect(maskAddress('福建省福州市鼓楼区五四路123号')).toBe('福建省福州市鼓楼区****');
    expect(maskAddress('北京市东城区东长安街1号')).toBe('北京市东城区****');
    expect(maskAddress('福州市鼓楼区五四路123号')).toBe('福州市鼓楼区****');
    expect(maskAddress('吉林省吉林市船营区某街道')).toBe('吉林省吉林市船营区****');
  });
  it('keeps the city where there is no county level', () => {
    expect(maskAddress('广东省东莞市南城街道鸿福路100号')).toBe('广东省东莞市****');
  });
  it('masks everything when no division is recognised', () => {
    expect(maskAddress('五四路123号')).toBe('****');
    expect(maskAddress('福建福州鼓楼五四路')).toBe('****');
    expect(maskAddress('  ')).toBe('');
  });
  it('hides the length of the rest', () => {
    expect(maskAddress('福建省福州市鼓楼区五四路1号')).toBe(maskAddress('福建省福州市鼓楼区五四路123号9栋1单元1201室'));
  });
});

describe('maskEmail', () => {
  it('keeps the first character and the domain', () => {
    expect(maskEmail('zhangsan@example.com')).toBe('z****@example.com');
    expect(maskEmail('a@gov.cn')).toBe('a****@gov.cn');
  });
  it('masks what is not an address', () => {
    expect(maskEmail('not-an-email')).toBe('************');
    expect(maskEmail('@example.com')).toBe('************');
  });
});

describe('maskPersonalDataInText', () => {
  it('masks ID numbers, mobile numbers and e-mail addresses in a log line', () => {
    const line = '申请人 11010519491231002X 电话 13812345678 邮箱 zhangsan@example.com 已提交';
    expect(maskPersonalDataInText(line)).toBe('申请人 110***********002X 电话 138****5678 邮箱 z****@example.com 已提交');
  });

  it('finds values inside JSON and next to letters or CJK text', () => {
    expect(maskPersonalDataInText('{"idNumber":"35010219900307123x","mobile":"19912345678"}')).toBe(
      '{"idNumber":"350***********123X","mobile":"199****5678"}',
    );
    expect(maskPersonalDataInText('身份证号11010519491231002X手机13812345678')).toBe('身份证号110***********002X手机138****5678');
  });

  it('masks ID numbers whose check character is wrong: still personal data', () => {
    expect(maskPersonalDataInText('id=110105194912310021')).toBe('id=110***********0021');
  });

  it('handles country codes and separators in mobile numbers', () => {
    expect(maskPersonalDataInText('tel +8613812345678')).toBe('tel +86138****5678');
    expect(maskPersonalDataInText('tel +86 138 1234 5678')).toBe('tel +86 138****5678');
    expect(maskPersonalDataInText('tel 138-1234-5678.')).toBe('tel 138****5678.');
  });

  it('leaves other numbers alone', () => {
    const untouched = [
      '办件编号 20250124123456789012', // 20 digits
      'ts=1732368000000', // epoch milliseconds, 13 digits starting 17
      'seq 12812345678', // not a mobile prefix
      'amount 350102199013071234', // month 13: not a birth date
      '统一社会信用代码 91350100M000100Y43',
      'order 113812345678', // 12 digits
    ];
    for (const text of untouched) expect(maskPersonalDataInText(text)).toBe(text);
  });

  it('is idempotent', () => {
    const once = maskPersonalDataInText('11010519491231002X 13812345678 a.b@c.cn');
    expect(maskPersonalDataInText(once)).toBe(once);
  });
});

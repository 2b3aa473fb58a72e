/**
 * Demo resources of the demo node and their source records: the registers that 免提交 materials
 * of the demo catalog name (人口基础信息库, 市场主体登记信息, 社会保险参保信息, 医疗保险参保信息,
 * 不动产登记信息 …) held by the departments that own them, with rows for the demo people and
 * enterprises; and a few non-personal resources suitable for open data (公交线路, 政务服务网点,
 * 空气质量监测, 医疗机构名录) with some hundred rows each. Names equal the catalog's `resource`
 * names so that a shared_data material resolves.
 */
import type { RequestContext } from '../../shared/actor';
import type { OrgService } from '../org';
import * as demo from '../../demo/data';
import type { ResourceInput, ResourcesService, RowInput } from './resources.service';
import type { ResourceField } from './resources.types';

const f = (name: string, label: string, type: ResourceField['type'] = 'string', personal = false, sensitive = false, labelEn?: string): ResourceField => ({
  name,
  label,
  type,
  personal,
  sensitive,
  ...(labelEn ? { labelEn } : {}),
});

type DemoResource = Omit<ResourceInput, 'providerDepartmentId'> & { dept: string; rows: () => RowInput[] };

const region6 = (id: string) => id.slice(0, 6);
const birth = (id: string) => `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
const gender = (id: string) => (Number(id[16]) % 2 === 1 ? '男' : '女');

/** A small deterministic generator (the demo must be the same on every node). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const addresses: Record<string, string> = {
  '350102': '福州市鼓楼区五四路',
  '350103': '福州市台江区八一七中路',
  '350104': '福州市仓山区上三路',
  '350105': '福州市马尾区罗星东路',
  '350111': '福州市晋安区福新东路',
  '350203': '厦门市思明区湖滨南路',
  '350206': '厦门市湖里区嘉禾路',
};

const employers: Record<string, string> = {
  张伟: '福州市仓山区闽江建材经营部',
  李娜: '福建闽都教育科技有限公司',
  王秀英: '（已退休）',
  陈明: '福州新榕物流有限公司',
  林芳: '厦门海湾科技有限公司',
  黄建国: '福州榕城餐饮管理有限公司',
  吴晓红: '福州榕城餐饮管理有限公司',
  郑海: '厦门海湾科技有限公司',
};

export const DEMO_RESOURCES: DemoResource[] = [
  {
    code: 'GAJ.POPULATION',
    name: '人口基础信息库',
    description: '户籍人口的身份证号码、姓名、性别、出生日期、民族、户籍地址等基础信息，由公安机关维护。',
    dept: 'FZ-GAJ',
    subjectKind: 'person',
    keyField: 'idNumber',
    fields: [
      f('idNumber', '公民身份号码', 'string', true, true, 'ID number'),
      f('name', '姓名', 'string', true, false, 'Name'),
      f('gender', '性别', 'string', true, false, 'Gender'),
      f('birthDate', '出生日期', 'date', true, false, 'Date of birth'),
      f('ethnicity', '民族', 'string', true, true, 'Ethnicity'),
      f('address', '户籍地址', 'string', true, false, 'Registered address'),
      f('householdRegion', '户籍所在地区划', 'string', false, false, 'Household region'),
      f('status', '人口状态', 'string', true, false, 'Status'),
    ],
    sharingClass: 'conditional',
    openClass: 'none',
    updateFrequency: 'realtime',
    legalBasis: '《中华人民共和国居民身份证法》；《政务信息资源共享管理暂行办法》',
    tags: ['基础库', '人口'],
    rows: () =>
      demo.people.map((p) => ({
        regionCode: region6(p.idNumber),
        data: {
          idNumber: p.idNumber,
          name: p.name,
          gender: gender(p.idNumber),
          birthDate: birth(p.idNumber),
          ethnicity: '汉族',
          address: `${addresses[region6(p.idNumber)] ?? '福建省'}${(p.mobile.slice(-2) as string).replace(/^0/, '')}号`,
          householdRegion: region6(p.idNumber),
          status: '正常',
        },
      })),
  },
  {
    code: 'SCJGJ.ENTERPRISE',
    name: '市场主体登记信息',
    description: '企业、个体工商户等市场主体的登记信息：统一社会信用代码、名称、类型、法定代表人、注册资本、成立日期、住所、经营范围、登记状态。',
    dept: 'FZ-SCJGJ',
    subjectKind: 'enterprise',
    keyField: 'creditCode',
    fields: [
      f('creditCode', '统一社会信用代码', 'string', false, false, 'Unified social credit code'),
      f('name', '名称', 'string', false, false, 'Name'),
      f('type', '市场主体类型', 'string', false, false, 'Type'),
      f('legalRepresentative', '法定代表人（经营者）', 'string', true, false, 'Legal representative'),
      f('registeredCapital', '注册资本（万元）', 'number', false, false, 'Registered capital (10k CNY)'),
      f('establishedOn', '成立日期', 'date', false, false, 'Established on'),
      f('address', '住所', 'string', false, false, 'Address'),
      f('businessScope', '经营范围', 'string', false, false, 'Business scope'),
      f('status', '登记状态', 'string', false, false, 'Status'),
    ],
    sharingClass: 'unconditional',
    openClass: 'none',
    updateFrequency: 'realtime',
    legalBasis: '《中华人民共和国市场主体登记管理条例》',
    tags: ['基础库', '法人'],
    rows: () =>
      demo.enterprises.map((e, i) => ({
        regionCode: e.uscc.slice(2, 8),
        data: {
          creditCode: e.uscc,
          name: e.name,
          type: e.uscc.startsWith('92') ? '个体工商户' : '有限责任公司（自然人投资或控股）',
          legalRepresentative: e.legalRep.name,
          registeredCapital: e.uscc.startsWith('92') ? 10 : [100, 500][i % 2],
          establishedOn: ['2016-04-18', '2019-09-02', '2021-03-15'][i % 3],
          address: `${addresses[e.uscc.slice(2, 8)] ?? '福建省'}${18 + i * 7}号`,
          businessScope: e.name.includes('餐饮') ? '餐饮服务；餐饮管理；食品销售' : e.name.includes('科技') ? '软件开发；信息技术咨询服务' : '建筑材料销售',
          status: '存续（在营、开业、在册）',
        },
      })),
  },
  {
    code: 'RSJ.SOCIAL_INSURANCE',
    name: '社会保险参保信息',
    description: '职工基本养老保险、失业保险、工伤保险的参保与缴费信息，以及退休（领取待遇）信息。',
    dept: 'FZ-RSJ',
    subjectKind: 'person',
    keyField: 'idNumber',
    fields: [
      f('idNumber', '公民身份号码', 'string', true, true, 'ID number'),
      f('name', '姓名', 'string', true, false, 'Name'),
      f('insuranceType', '险种', 'string', false, false, 'Insurance'),
      f('status', '参保状态', 'string', true, false, 'Status'),
      f('employer', '参保单位', 'string', true, false, 'Employer'),
      f('firstPaidOn', '首次参保日期', 'date', true, false, 'First insured on'),
      f('paidMonths', '累计缴费月数', 'integer', true, false, 'Months paid'),
      f('lastPaidMonth', '最近缴费年月', 'string', true, false, 'Last month paid'),
      f('contributionBase', '缴费基数（元）', 'number', true, true, 'Contribution base (CNY)'),
      f('retiredOn', '退休日期', 'date', true, false, 'Retired on'),
    ],
    sharingClass: 'conditional',
    openClass: 'none',
    updateFrequency: 'daily',
    legalBasis: '《中华人民共和国社会保险法》',
    tags: ['社会保障'],
    rows: () => {
      const r = rng(2026);
      return demo.people.map((p) => {
        const retired = Number(p.idNumber.slice(6, 10)) < 1965;
        const months = retired ? 420 : 24 + Math.floor(r() * 180);
        return {
          regionCode: region6(p.idNumber),
          data: {
            idNumber: p.idNumber,
            name: p.name,
            insuranceType: '企业职工基本养老保险',
            status: retired ? '退休（领取待遇）' : '正常参保缴费',
            employer: employers[p.name] ?? '灵活就业',
            firstPaidOn: retired ? '1970-07-01' : `${2026 - Math.ceil(months / 12)}-0${1 + Math.floor(r() * 9)}-01`,
            paidMonths: months,
            lastPaidMonth: retired ? '2003-01' : '2026-10',
            contributionBase: retired ? null : 4000 + Math.round(r() * 60) * 100,
            retiredOn: retired ? '2003-02-15' : null,
          },
        };
      });
    },
  },
  {
    code: 'YBJ.MEDICAL_INSURANCE',
    name: '医疗保险参保信息',
    description: '职工基本医疗保险和城乡居民基本医疗保险的参保缴费信息。',
    dept: 'FZ-YBJ',
    subjectKind: 'person',
    keyField: 'idNumber',
    fields: [
      f('idNumber', '公民身份号码', 'string', true, true, 'ID number'),
      f('name', '姓名', 'string', true, false, 'Name'),
      f('scheme', '参保险种', 'string', true, false, 'Scheme'),
      f('status', '参保状态', 'string', true, false, 'Status'),
      f('insuredSince', '参保日期', 'date', true, false, 'Insured since'),
      f('lastPaidMonth', '最近缴费年月', 'string', true, false, 'Last month paid'),
    ],
    sharingClass: 'conditional',
    openClass: 'none',
    updateFrequency: 'daily',
    legalBasis: '《中华人民共和国社会保险法》；《医疗保障基金使用监督管理条例》',
    tags: ['社会保障', '医保'],
    rows: () =>
      demo.people.map((p, i) => ({
        regionCode: region6(p.idNumber),
        data: {
          idNumber: p.idNumber,
          name: p.name,
          scheme: employers[p.name] === '灵活就业' || employers[p.name] === '（已退休）' ? '城乡居民基本医疗保险' : '职工基本医疗保险',
          status: '正常参保',
          insuredSince: `${2010 + i}-01-01`,
          lastPaidMonth: '2026-10',
        },
      })),
  },
  {
    code: 'BDCDJ.PROPERTY',
    name: '不动产登记信息',
    description: '不动产权利人、不动产单元号、坐落、权利类型、用途、面积和登记时间。用于“本市无房”“有房”核验和不动产登记业务。',
    dept: 'FZ-BDCDJ',
    subjectKind: 'person',
    keyField: 'ownerIdNumber',
    fields: [
      f('certificateNo', '不动产权证书号', 'string', true, false, 'Certificate no.'),
      f('ownerIdNumber', '权利人证件号码', 'string', true, true, 'Owner ID number'),
      f('ownerName', '权利人', 'string', true, false, 'Owner'),
      f('unitNo', '不动产单元号', 'string', true, false, 'Unit no.'),
      f('location', '坐落', 'string', true, false, 'Location'),
      f('rightType', '权利类型', 'string', false, false, 'Right type'),
      f('use', '用途', 'string', false, false, 'Use'),
      f('area', '建筑面积（㎡）', 'number', true, false, 'Floor area (m²)'),
      f('registeredOn', '登记日期', 'date', true, false, 'Registered on'),
    ],
    sharingClass: 'conditional',
    openClass: 'none',
    updateFrequency: 'realtime',
    legalBasis: '《不动产登记暂行条例》第二十四条、第二十七条',
    tags: ['不动产'],
    rows: () =>
      demo.people
        .filter((p) => ['张伟', '王秀英', '黄建国', '郑海'].includes(p.name))
        .map((p, i) => ({
          rowKey: `闽(${p.idNumber.startsWith('3502') ? '2019' : '2021'})${p.idNumber.startsWith('3502') ? '厦门' : '福州'}市不动产权第${String(10231 + i * 977).padStart(7, '0')}号`,
          regionCode: region6(p.idNumber),
          data: {
            certificateNo: `闽(${p.idNumber.startsWith('3502') ? '2019' : '2021'})${p.idNumber.startsWith('3502') ? '厦门' : '福州'}市不动产权第${String(10231 + i * 977).padStart(7, '0')}号`,
            ownerIdNumber: p.idNumber,
            ownerName: p.name,
            unitNo: `${region6(p.idNumber)}00${i + 1}GB0012${i}F000${i + 1}0${i + 2}`,
            location: `${addresses[region6(p.idNumber)] ?? '福建省'}${100 + i * 11}号${i + 2}座${(i + 1) * 100 + 2}单元`,
            rightType: '国有建设用地使用权/房屋所有权',
            use: '城镇住宅用地/住宅',
            area: 78.5 + i * 21.25,
            registeredOn: `${2012 + i * 3}-0${3 + i}-1${i}`,
          },
        })),
  },
  // Catalog entries the demo items name, held by their departments; rows where the demo people need them.
  ...(
    [
      ['SWJ.TAX_CLEARANCE', '税务清税信息', 'FZ-SWJ', 'enterprise', '纳税人注销前的清税证明信息。', '《中华人民共和国税收征收管理法》'],
      ['SWJ.TAX_PAID', '税务完税信息', 'FZ-SWJ', 'person', '契税等税种的完税信息。', '《中华人民共和国契税法》'],
      ['WJW.DEATH', '死亡信息', 'FZ-WJW', 'person', '《死亡医学证明（推断）书》信息。', '《中华人民共和国基本医疗卫生与健康促进法》'],
      ['RSJ.EMPLOYMENT', '就业登记信息', 'FZ-RSJ', 'person', '就业登记、劳动合同解除或终止信息。', '《中华人民共和国就业促进法》'],
      ['ZJJ.RESALE_CONTRACT', '存量房网签备案信息', 'FZ-ZJJ', 'person', '存量房买卖合同网签备案信息。', '《城市房地产开发经营管理条例》'],
      ['ZJJ.NEW_HOUSE_CONTRACT', '商品房网签备案信息', 'FZ-ZJJ', 'person', '商品房买卖合同网签备案信息。', '《商品房销售管理办法》'],
      ['ZJJ.DRAWING_REVIEW', '施工图审查信息', 'FZ-ZJJ', 'enterprise', '施工图设计文件审查合格信息。', '《建设工程质量管理条例》'],
      ['MZJ.HOUSEHOLD_ECONOMY', '居民家庭经济状况核对', 'FZ-MZJ', 'person', '居民家庭经济状况核对结果（收入、财产）。', '《社会救助暂行办法》'],
    ] as const
  ).map(([code, name, dept, subjectKind, description, legalBasis]): DemoResource => {
    const key = subjectKind === 'person' ? 'idNumber' : 'creditCode';
    return {
      code,
      name,
      description,
      dept,
      subjectKind,
      keyField: key,
      fields: [
        f(key, subjectKind === 'person' ? '公民身份号码' : '统一社会信用代码', 'string', subjectKind === 'person', subjectKind === 'person'),
        f('name', subjectKind === 'person' ? '姓名' : '名称', 'string', subjectKind === 'person'),
        f('summary', '信息摘要', 'string', subjectKind === 'person'),
        f('recordedOn', '记录日期', 'date', subjectKind === 'person'),
      ],
      sharingClass: 'conditional',
      openClass: 'none',
      updateFrequency: 'daily',
      legalBasis,
      tags: [],
      rows: () => [],
    };
  }),
  // Non-personal resources, open to the public (open data).
  {
    code: 'ZJJ.BUS_ROUTES',
    name: '公交线路',
    description: '福州市公交线路：线路编号、名称、起讫站、首末班时间、票价、站点数和运营单位。',
    dept: 'FZ-ZJJ',
    subjectKind: 'none',
    keyField: 'routeNo',
    fields: [
      f('routeNo', '线路编号', 'string', false, false, 'Route no.'),
      f('name', '线路名称', 'string', false, false, 'Name'),
      f('from', '起点站', 'string', false, false, 'From'),
      f('to', '终点站', 'string', false, false, 'To'),
      f('firstBus', '首班时间', 'string', false, false, 'First bus'),
      f('lastBus', '末班时间', 'string', false, false, 'Last bus'),
      f('fare', '票价（元）', 'number', false, false, 'Fare (CNY)'),
      f('stops', '站点数', 'integer', false, false, 'Stops'),
      f('district', '所属区', 'string', false, false, 'District'),
      f('operator', '运营单位', 'string', false, false, 'Operator'),
    ],
    sharingClass: 'unconditional',
    openClass: 'unconditional',
    updateFrequency: 'monthly',
    legalBasis: '《公共数据资源开发利用》相关规定',
    tags: ['交通', '开放数据'],
    rows: () => {
      const r = rng(7);
      const stations = ['火车站', '五一广场', '东街口', '南门兜', '福州大学', '金山', '仓山万达', '马尾', '长乐机场', '三坊七巷', '闽江公园', '鼓山', '五四北', '福州南站', '上街大学城', '台江步行街', '屏山', '西湖', '左海公园', '湖前'];
      const districts = ['鼓楼区', '台江区', '仓山区', '晋安区', '马尾区', '长乐区', '闽侯县'];
      return Array.from({ length: 240 }, (_, i) => {
        const a = stations[Math.floor(r() * stations.length)];
        let b = stations[Math.floor(r() * stations.length)];
        if (b === a) b = stations[(stations.indexOf(a) + 7) % stations.length];
        const no = String(i + 1).padStart(4, '0');
        return {
          data: {
            routeNo: no,
            name: `${i + 1}路`,
            from: a,
            to: b,
            firstBus: `0${5 + Math.floor(r() * 2)}:${r() < 0.5 ? '30' : '00'}`,
            lastBus: `${21 + Math.floor(r() * 3)}:${r() < 0.5 ? '30' : '00'}`,
            fare: r() < 0.8 ? 1 : 2,
            stops: 12 + Math.floor(r() * 30),
            district: districts[Math.floor(r() * districts.length)],
            operator: r() < 0.7 ? '福州市公共交通集团有限公司' : '福州闽运公共交通有限公司',
          },
        };
      });
    },
  },
  {
    code: 'XZSPJ.SERVICE_POINTS',
    name: '政务服务网点',
    description: '政务服务中心、便民服务中心（站）的名称、地址、办公时间、咨询电话、经纬度和可办事项数。',
    dept: 'FZ-XZSPJ',
    subjectKind: 'none',
    keyField: 'pointId',
    fields: [
      f('pointId', '网点编号', 'string', false, false, 'Point id'),
      f('name', '网点名称', 'string', false, false, 'Name'),
      f('level', '层级', 'string', false, false, 'Level'),
      f('district', '所属区县', 'string', false, false, 'District'),
      f('address', '地址', 'string', false, false, 'Address'),
      f('hours', '办公时间', 'string', false, false, 'Opening hours'),
      f('phone', '咨询电话', 'string', false, false, 'Phone'),
      f('longitude', '经度', 'number', false, false, 'Longitude'),
      f('latitude', '纬度', 'number', false, false, 'Latitude'),
      f('items', '可办事项数', 'integer', false, false, 'Items served'),
    ],
    sharingClass: 'unconditional',
    openClass: 'unconditional',
    updateFrequency: 'monthly',
    legalBasis: '《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》',
    tags: ['政务服务', '开放数据'],
    rows: () => {
      const r = rng(11);
      const districts: [string, string][] = [['鼓楼区', '350102'], ['台江区', '350103'], ['仓山区', '350104'], ['马尾区', '350105'], ['晋安区', '350111'], ['长乐区', '350112']];
      const streets = ['东街', '南街', '温泉', '水部', '鳌峰', '上渡', '金山', '罗星', '鼓山', '王庄', '吴航', '城门', '盖山', '洪山', '五凤'];
      return Array.from({ length: 180 }, (_, i) => {
        const [d, code] = districts[i % districts.length];
        const level = i < 6 ? '区级政务服务中心' : i < 60 ? '街道（乡镇）便民服务中心' : '社区（村）便民服务站';
        const street = streets[Math.floor(r() * streets.length)];
        return {
          regionCode: code,
          data: {
            pointId: `FZ-SP-${String(i + 1).padStart(4, '0')}`,
            name: i < 6 ? `${d}政务服务中心` : `${street}${i < 60 ? '街道便民服务中心' : `第${i}社区便民服务站`}`,
            level,
            district: d,
            address: `福州市${d}${street}路${Math.floor(r() * 300) + 1}号`,
            hours: '周一至周五 8:30-12:00，14:30-17:30（法定节假日除外）',
            phone: `0591-${String(80000000 + Math.floor(r() * 9999999))}`,
            longitude: Math.round((119.2 + r() * 0.4) * 1e6) / 1e6,
            latitude: Math.round((25.95 + r() * 0.2) * 1e6) / 1e6,
            items: i < 6 ? 800 + Math.floor(r() * 400) : 40 + Math.floor(r() * 160),
          },
        };
      });
    },
  },
  {
    code: 'DSJ.AIR_QUALITY',
    name: '空气质量监测',
    description: '福州市国控空气质量监测站点的日均值：AQI、PM2.5、PM10、O₃、NO₂、首要污染物、空气质量级别。',
    dept: 'FZ-DSJ',
    subjectKind: 'none',
    keyField: 'recordId',
    fields: [
      f('recordId', '记录编号', 'string', false, false, 'Record id'),
      f('station', '监测站点', 'string', false, false, 'Station'),
      f('date', '日期', 'date', false, false, 'Date'),
      f('aqi', 'AQI', 'integer', false, false, 'AQI'),
      f('pm25', 'PM2.5（μg/m³）', 'integer', false, false, 'PM2.5 (μg/m³)'),
      f('pm10', 'PM10（μg/m³）', 'integer', false, false, 'PM10 (μg/m³)'),
      f('o3', 'O₃（μg/m³）', 'integer', false, false, 'O₃ (μg/m³)'),
      f('no2', 'NO₂（μg/m³）', 'integer', false, false, 'NO₂ (μg/m³)'),
      f('primaryPollutant', '首要污染物', 'string', false, false, 'Primary pollutant'),
      f('grade', '空气质量级别', 'string', false, false, 'Grade'),
    ],
    sharingClass: 'unconditional',
    openClass: 'unconditional',
    updateFrequency: 'daily',
    legalBasis: '《中华人民共和国大气污染防治法》第二十三条',
    tags: ['生态环境', '开放数据'],
    rows: () => {
      const r = rng(3);
      const stations = ['鼓山', '快安', '师大', '紫阳', '杨桥西路', '五四北路', '福州大学城'];
      const out: RowInput[] = [];
      for (let day = 0; day < 45; day++) {
        const date = new Date(Date.UTC(2026, 9, 1) + day * 86400_000).toISOString().slice(0, 10);
        for (const s of stations) {
          const pm25 = 8 + Math.floor(r() * 40);
          const pm10 = pm25 + 10 + Math.floor(r() * 30);
          const o3 = 40 + Math.floor(r() * 120);
          const aqi = Math.max(Math.round(pm25 * 1.4), Math.round(pm10 * 0.7), Math.round(o3 * 0.5));
          out.push({
            data: {
              recordId: `${date}-${String(stations.indexOf(s) + 1).padStart(2, '0')}`,
              station: s,
              date,
              aqi,
              pm25,
              pm10,
              o3,
              no2: 10 + Math.floor(r() * 30),
              primaryPollutant: aqi <= 50 ? '—' : o3 * 0.5 >= pm25 * 1.4 ? 'O₃' : 'PM2.5',
              grade: aqi <= 50 ? '优' : aqi <= 100 ? '良' : '轻度污染',
            },
          });
        }
      }
      return out;
    },
  },
  {
    code: 'WJW.MEDICAL_INSTITUTIONS',
    name: '医疗机构名录',
    description: '福州市医疗机构名称、类别、等级、地址、床位数和执业许可证有效期。',
    dept: 'FZ-WJW',
    subjectKind: 'none',
    keyField: 'institutionId',
    fields: [
      f('institutionId', '机构编号', 'string', false, false, 'Institution id'),
      f('name', '机构名称', 'string', false, false, 'Name'),
      f('category', '机构类别', 'string', false, false, 'Category'),
      f('grade', '等级', 'string', false, false, 'Grade'),
      f('district', '所属区县', 'string', false, false, 'District'),
      f('address', '地址', 'string', false, false, 'Address'),
      f('beds', '床位数', 'integer', false, false, 'Beds'),
      f('licenceValidUntil', '执业许可证有效期至', 'date', false, false, 'Licence valid until'),
    ],
    sharingClass: 'unconditional',
    openClass: 'conditional',
    updateFrequency: 'quarterly',
    legalBasis: '《医疗机构管理条例》',
    tags: ['卫生健康', '开放数据'],
    rows: () => {
      const r = rng(5);
      const districts = ['鼓楼区', '台江区', '仓山区', '晋安区', '马尾区', '长乐区'];
      const cats: [string, string, number][] = [['综合医院', '三级甲等', 1200], ['中医医院', '三级甲等', 800], ['专科医院', '二级', 300], ['社区卫生服务中心', '未定级', 40], ['诊所', '未定级', 0]];
      return Array.from({ length: 150 }, (_, i) => {
        const [category, grade, beds] = cats[i < 10 ? i % 2 : i < 30 ? 2 : i < 80 ? 3 : 4];
        const d = districts[Math.floor(r() * districts.length)];
        return {
          data: {
            institutionId: `FZ-MI-${String(i + 1).padStart(4, '0')}`,
            name: category === '诊所' ? `福州${d.slice(0, 2)}${['仁和', '康宁', '济世', '惠民', '同心'][i % 5]}诊所${i}` : `福州市${d}${category}${i < 10 ? '' : `（${i}）`}`,
            category,
            grade,
            district: d,
            address: `福州市${d}${['杨桥', '华林', '六一', '工业', '福马'][i % 5]}路${Math.floor(r() * 500) + 1}号`,
            beds: beds ? Math.round(beds * (0.6 + r() * 0.8)) : 0,
            licenceValidUntil: `${2027 + (i % 5)}-12-31`,
          },
        };
      });
    },
  },
];

/** Loads the demo resources and their rows (idempotent: existing resources are left alone). */
export async function seedDemoResources(resources: ResourcesService, org: OrgService, ctx: RequestContext, db: import('../../db/database').Db): Promise<void> {
  for (const d of DEMO_RESOURCES) {
    if (await resources.getRow(db, d.code)) continue;
    const dept = await org.departmentByCode(d.dept);
    if (!dept) throw new Error(`demo resources: department ${d.dept} is missing`);
    const { dept: _dept, rows, ...input } = d;
    const created = await resources.create(ctx, { ...input, providerDepartmentId: dept.id });
    const row = (await resources.getRow(db, created.id))!;
    const data = rows();
    if (data.length) await db.transaction().execute((trx) => resources.upsertRows(trx, row, data));
  }
}

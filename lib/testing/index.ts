// `express-zhichi-pay/testing`: tools for testing an integration without the platform.

export {
  MockPlatform,
  type MockPlatformApp,
  type MockPlatformOptions,
  type MockReply,
  type ReceivedNotice,
  startMockPlatform,
} from './mock-platform';
export {
  PlatformSimulator,
  type PlatformSimulatorOptions,
  type SimulatedResponse,
  type SimulatorTarget,
} from './platform-simulator';
